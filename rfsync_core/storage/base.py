"""The storage protocol shared by the uploader and the downloader.

Keys are ``/``-separated, relative to the platform's root (no leading slash),
e.g. ``input/D/proj/tex/wood.exr``. An engine maps them onto its bucket+prefix
or folder. Engines raise the typed errors of :mod:`rfsync_core.errors`; they do
not retry (retries live in :mod:`rfsync_core.transfer.retry`).

Byte hooks: every method that moves file bytes takes ``hook``, a callable that
the engine calls with the size of each chunk *before* sending it or *after*
receiving it. The transfer layer uses it for the shared bandwidth cap, progress
counting and cancel (the hook raises :class:`~rfsync_core.errors.TransferCancelled`).

Capabilities are declared attributes of every engine (``min_part_size``,
``max_parts``, ``checks_download_md5``, ``get_to_file(length=)``), so the
transfer layer reads them directly instead of probing: a third engine
implements everything in :class:`Storage` (the contract tests in
``tests/engine/storage`` check both engines against it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, List, Optional, Protocol, Sequence

from .._files import MiB
from ..errors import UnsafePathError

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


def check_key(key: str) -> str:
    """Refuse keys that could not round-trip through every engine.

    A key is ``/``-separated and relative; empty, ``.`` and ``..`` segments,
    a leading ``/``, backslashes and NUL are refused: on a folder they could
    escape the root, and on S3 the SigV4 canonical path would normalise them
    away (a signature mismatch, or a different object than meant).
    """
    if not isinstance(key, str) or not key:
        raise UnsafePathError(f"storage key {key!r} is empty")
    if "\x00" in key or "\\" in key:
        raise UnsafePathError(f"storage key {key!r} contains a NUL or a backslash")
    if key.startswith("/"):
        raise UnsafePathError(f"storage key {key!r} must not start with '/'")
    for part in key.split("/"):
        if part in ("", ".", ".."):
            raise UnsafePathError(f"storage key {key!r} has an empty, '.' or '..' segment")
    return key


class Writer(Protocol):
    """Where :meth:`Storage.get_to_file` puts the bytes: anything with ``write``.

    Engines call nothing else (no ``seek``, ``tell``, ``flush``): the caller
    positions the destination and owns it. The downloader passes small writers
    of its own (straight to a file descriptor, or ``pwrite`` at a range's
    position) rather than a buffered file, so this is all an engine may rely on.
    ``write`` gets each chunk once, in order; its return value is ignored. An
    exception it raises ends the download (the range is full, or a cancel);
    engines let it through, except that an ``OSError`` may come out as a
    storage error, as any I/O failure during the download does.
    """

    def write(self, data: bytes, /) -> object: ...


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

    min_part_size: int
    """The smallest part the uploader may send (every part but the last); at least 5 MiB on S3."""

    max_parts: int
    """The highest part number :meth:`upload_part` accepts (part numbers are 1..max_parts)."""

    @property
    def checks_download_md5(self) -> bool:
        """True when :meth:`get_to_file` from offset 0 of a whole object checks the bytes against an
        MD5 ETag itself and raises :class:`~rfsync_core.errors.BadDigestError` on a mismatch, so the
        caller need not hash them again. False promises nothing: the caller checks."""
        ...

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
        fileobj: Writer,
        *,
        offset: int = 0,
        length: Optional[int] = None,
        hook: ByteHook = no_hook,
    ) -> ObjectInfo:
        """Write the object's bytes from ``offset`` on into ``fileobj``.

        ``fileobj`` is positioned at ``offset`` by the caller. If the server
        ignores the range and sends the whole object, the engine skips the
        first ``offset`` bytes itself, so the caller always gets the tail.
        ``length`` (>= 1) bounds the read to ``offset .. offset+length-1`` (one
        bounded Range request on S3): exactly ``length`` bytes are written, or
        fewer only where the object ends first; None reads to the end. An
        ``offset`` equal to the size writes nothing; past it is an
        ``InvalidRange`` :class:`~rfsync_core.errors.StorageError`.
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
