"""Request bodies of the S3 engine: file slices read once into memory, or streamed.

Every PUT (and every part until the server has shown it answers parts with
their MD5, see :mod:`.engine`) carries ``Content-MD5``, which must be known before
the body is sent. A slice that fits the engine's :class:`BufferBudget` is read
once into memory, hashed (``hashlib`` releases the GIL on large buffers, so
parts hash in parallel) and sent from that buffer: one read of the file,
and the bytes hashed are exactly the bytes sent. A slice too big for the
budget (a huge part, or many threads) is hashed in one streaming pass and
streamed in a second: slower, but memory stays bounded whatever the size.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import threading
from typing import Any, BinaryIO, Callable, Iterator, List, Optional, Tuple, Union

from ...errors import ChangedDuringTransferError, LocalPathError

Buffer = Union[bytes, bytearray, mmap.mmap]
MAP_ABOVE = 256 * 1024
"""Slices longer than this are read into an anonymous map (:func:`read_slice`)."""


class BufferBudget:
    """Bytes of file data the engine may hold in memory at once (all threads together)."""

    def __init__(self, limit: int) -> None:
        self.limit = max(0, limit)
        self._left = self.limit
        self._lock = threading.Lock()

    def take(self, n: int) -> bool:
        """Reserve ``n`` bytes; False (and nothing reserved) when they don't fit right now."""
        with self._lock:
            if n > self._left:
                return False
            self._left -= n
            return True

    def give(self, n: int) -> None:
        with self._lock:
            self._left = min(self.limit, self._left + n)


class PartMaps:
    """The maps of sent parts, kept (at most ``keep``) for the next part of the same length; their bytes stay
    taken from the budget while kept.

    Why: the first write to each page of a fresh anonymous map costs a page fault and a zeroed page; for 16 MiB
    parts that was ~0.6 CPU-s per GiB sent (bench: a 1 GiB upload took 3.3 CPU-s with a fresh map per part,
    2.7 with reused memory). Every part of an upload but the last has the same length, so one part's map
    serves the next."""

    def __init__(self, keep: int = 2) -> None:
        self.keep = keep
        self._free: List[mmap.mmap] = []
        self._lock = threading.Lock()

    def get(self, length: int) -> Optional[mmap.mmap]:
        """A kept map of exactly ``length`` bytes (already counted in the budget), or None."""
        with self._lock:
            for i, buf in enumerate(self._free):
                if len(buf) == length:
                    return self._free.pop(i)
        return None

    def put(self, buf: Buffer) -> bool:
        """Keep ``buf`` for a later part; False (not kept: the caller gives its bytes back) when full or not a map."""
        if not isinstance(buf, mmap.mmap):
            return False
        with self._lock:
            if len(self._free) >= self.keep:
                return False
            self._free.append(buf)
            return True

    def drain(self) -> int:
        """Let every kept map go; returns their bytes, to give back to the budget."""
        with self._lock:
            freed = sum(len(buf) for buf in self._free)
            self._free.clear()
        return freed


def open_source(path: str) -> Tuple[BinaryIO, int]:
    """Open a local file for reading and return it with its size; errors name the file."""
    try:
        fh = open(path, "rb", buffering=0)  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise LocalPathError(f"cannot open {path}: {exc.strerror or exc}") from None
    try:
        size = os.fstat(fh.fileno()).st_size
    except OSError as exc:
        fh.close()
        raise LocalPathError(f"cannot stat {path}: {exc.strerror or exc}") from None
    return fh, size  # type: ignore[return-value]


def _short(path: str, offset: int, length: int, got: int) -> ChangedDuringTransferError:
    return ChangedDuringTransferError(
        f"{path} became shorter while being sent ({got} of {length} bytes from offset {offset} could be read)"
    )


def read_slice(fh: BinaryIO, path: str, offset: int, length: int, into: Optional[mmap.mmap] = None) -> Buffer:
    """``length`` bytes from ``offset``, read once: bytes when small, else an anonymous memory map (``into``, a
    kept one of that length, when given: :class:`PartMaps`).

    Why a map and not a bytearray: glibc raises its mmap threshold to the size of each big block freed
    (up to 32 MiB), so after the first part every later 1–16 MiB buffer came from a thread's malloc arena,
    which keeps it after use: at 16 threads that was ~16 × 16 MiB of resident memory the budget never
    saw. A map is returned to the system as soon as its last view is dropped."""
    try:
        fh.seek(offset)
        if length <= MAP_ABOVE:
            data = fh.read(length)
            while len(data) < length:  # unbuffered reads may come back short
                more = fh.read(length - len(data))
                if not more:
                    raise _short(path, offset, length, len(data))
                data += more
            return data
        buf = into if into is not None and len(into) == length else mmap.mmap(-1, length)
        view = memoryview(buf)
        got = 0
        while got < length:
            n = fh.readinto(view[got:])  # type: ignore[attr-defined]
            if not n:
                raise _short(path, offset, length, got)
            got += n
        view.release()  # the caller's views keep the map alive; this one would not let it go
        return buf
    except OSError as exc:
        raise LocalPathError(f"cannot read {path}: {exc.strerror or exc}") from None


def md5_of(fh: BinaryIO, path: str, offset: int, length: int, check: Callable[[], None], chunk: int) -> bytes:
    """MD5 of a file slice in one streaming pass (for a slice that is not held in memory)."""
    digest = hashlib.md5()
    for data in iter_slice(fh, path, offset, length, check, chunk):
        digest.update(data)
    return digest.digest()


def iter_slice(
    fh: BinaryIO, path: str, offset: int, length: int, check: Callable[[], None], chunk: int
) -> Iterator[bytes]:
    """A file slice in chunks; ``check`` runs before each read (interrupt)."""
    try:
        fh.seek(offset)
    except OSError as exc:
        raise LocalPathError(f"cannot read {path}: {exc.strerror or exc}") from None
    left = length
    while left > 0:
        check()
        try:
            data = fh.read(min(chunk, left))
        except OSError as exc:
            raise LocalPathError(f"cannot read {path}: {exc.strerror or exc}") from None
        if not data:
            raise _short(path, offset, length, length - left)
        left -= len(data)
        yield data


def hashing(chunks: Iterator[bytes], digest: Any) -> Iterator[bytes]:
    """The chunks, unchanged, fed to ``digest`` on their way out."""
    for chunk in chunks:
        digest.update(chunk)
        yield chunk
