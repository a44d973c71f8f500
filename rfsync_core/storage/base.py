"""The storage protocol shared by the uploader and the downloader.

Keys are ``/``-separated, relative to the platform's root (no leading slash),
e.g. ``input/D/proj/tex/wood.exr``. An engine maps them onto its bucket+prefix
or folder. Engines raise the typed errors of :mod:`rfsync_core.errors`; they do
not retry (retries live in :mod:`rfsync_core.transfer.retry`).

Byte hooks: every method that moves file bytes takes ``hook``, a callable that
the engine calls with the size of each chunk *before* sending it or *after*
receiving it. The transfer layer uses it for the shared bandwidth cap, progress
counting and cancel (the hook raises :class:`~rfsync_core.errors.TransferCancelled`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO, Callable, Iterator, List, Optional, Protocol, Sequence

from .._files import MiB

DEFAULT_MULTIPART_THRESHOLD = 64 * MiB
"""Files at least this big go up as multipart uploads unless the platform says otherwise."""
S3_MIN_PART_SIZE = 5 * MiB
"""S3's own floor for every part but the last."""
DEFAULT_MIN_PART_SIZE = 16 * MiB
"""The part size rfsync uses by default (fewer requests than S3's 5 MiB floor; see BENCHMARKS.md)."""
MAX_PARTS = 10000
CHUNK_SIZE = 1 * MiB

ByteHook = Callable[[int], None]
"""Called with a chunk size; may sleep (bandwidth cap) or raise TransferCancelled."""


def no_hook(_n: int) -> None:
    """A hook that does nothing."""


@dataclass(frozen=True)
class ObjectInfo:
    """What a storage holds under one key."""

    key: str
    size: int
    etag: str = ""
    """Quoted-less ETag (S3) or a content hash the engine computed; may be empty."""
    mtime: float = 0.0


@dataclass(frozen=True)
class PartInfo:
    """One uploaded part of a multipart upload."""

    number: int
    size: int
    etag: str


class Storage(Protocol):
    """One platform's storage. Instances are thread-safe."""

    name: str
    """A label for messages, e.g. ``s3://bucket/prefix`` or the folder path."""

    multipart_threshold: int
    """Files at least this big go through multipart upload."""

    def put_file(
        self,
        key: str,
        path: str,
        *,
        md5: Optional[bytes] = None,
        hook: ByteHook = no_hook,
    ) -> ObjectInfo:
        """Store the whole file at ``path`` under ``key``; verified against ``md5`` when given.

        Never leaves a complete-looking object that is not the real content.
        """
        ...

    def put_bytes(self, key: str, data: bytes) -> ObjectInfo:
        """Store a small document (configs, status) under ``key``, atomically."""
        ...

    def get_bytes(self, key: str) -> bytes:
        """Read a small document; :class:`NotFoundError` when absent."""
        ...

    def head(self, key: str) -> ObjectInfo:
        """Describe ``key``; :class:`NotFoundError` when absent."""
        ...

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        """Every object whose key starts with ``prefix``, in key order."""
        ...

    def get_to_file(
        self,
        key: str,
        fileobj: BinaryIO,
        *,
        offset: int = 0,
        hook: ByteHook = no_hook,
    ) -> ObjectInfo:
        """Write the object's bytes from ``offset`` on into ``fileobj``.

        ``fileobj`` is positioned at ``offset`` by the caller. If the server
        ignores the range and sends the whole object, the engine skips the
        first ``offset`` bytes itself, so the caller always gets the tail.
        Returns the object's info (full size, ETag).
        """
        ...

    def delete(self, key: str) -> None:
        """Remove ``key``; absent is not an error."""
        ...

    # multipart
    def create_multipart(self, key: str) -> str:
        """Start a multipart upload, return its upload id."""
        ...

    def upload_part(
        self,
        key: str,
        upload_id: str,
        number: int,
        path: str,
        offset: int,
        length: int,
        *,
        md5: Optional[bytes] = None,
        hook: ByteHook = no_hook,
    ) -> PartInfo:
        """Send ``length`` bytes of ``path`` from ``offset`` as part ``number`` (1-based)."""
        ...

    def list_parts(self, key: str, upload_id: str) -> List[PartInfo]:
        """Parts the server already holds; :class:`NotFoundError` if the upload is gone."""
        ...

    def complete_multipart(self, key: str, upload_id: str, parts: Sequence[PartInfo]) -> ObjectInfo:
        """Assemble the parts into the object."""
        ...

    def abort_multipart(self, key: str, upload_id: str) -> None:
        """Drop an unfinished multipart upload and its parts."""
        ...

    def interrupt(self) -> None:
        """Abort in-flight requests from another thread (cancel); later calls may fail."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
