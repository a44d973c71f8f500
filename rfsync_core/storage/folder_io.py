"""The folder engine's file I/O helpers: reading local sources, and OS errors as typed storage errors.

Two kinds of failure must not be confused: a source file the user asked to
upload that cannot be read is the user's problem (:class:`LocalPathError`,
never retried), while a failure on the platform's folder is a storage error,
retryable when the errno says a share or a disk hiccuped (``EIO``, ``ESTALE``,
``ETIMEDOUT`` ...) and not when it is permanent (permission denied, no space).
"""

from __future__ import annotations

import errno
import os
from typing import BinaryIO, Iterator, Optional, Tuple

from ..errors import (
    AccessDeniedError,
    LocalPathError,
    NotFoundError,
    StorageConnectionError,
    StorageError,
)

TRANSIENT_ERRNOS = {
    getattr(errno, name)
    for name in ("EIO", "ETIMEDOUT", "ESTALE", "ENETDOWN", "ENETUNREACH", "EHOSTDOWN", "EHOSTUNREACH",
                 "ECONNRESET", "ECONNABORTED", "EAGAIN", "EBUSY")
    if hasattr(errno, name)
}
"""Errnos of a folder (often a network share) that a retry may get past."""
_NOT_FOUND_OPS = ("head", "download", "list parts of", "complete multipart upload")


def read_chunks(fh: BinaryIO, path: str, length: Optional[int], chunk: int) -> Iterator[bytes]:
    """Read a local source file; its errors are LocalPathError, never a storage error."""
    left = length
    while left is None or left > 0:
        want = chunk if left is None else min(chunk, left)
        try:
            data = fh.read(want)
        except OSError as exc:
            raise LocalPathError(f"cannot read {path}: {exc.strerror or exc}") from None
        if not data:
            return
        if left is not None:
            left -= len(data)
        yield data


def open_source(path: str) -> Tuple[BinaryIO, int]:
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed by the caller
        size = os.fstat(fh.fileno()).st_size
    except OSError as exc:
        raise LocalPathError(f"cannot open {path}: {exc.strerror or exc}") from None
    return fh, size


def storage_error(exc: OSError, op: str, key: str, path: str, root: str) -> StorageError:
    """The typed error for ``exc``, raised while doing ``op`` on ``key`` at ``path`` under the folder ``root``."""
    where = f"{op} {key!r} in {root}"
    reason = exc.strerror or str(exc)
    if isinstance(exc, (FileNotFoundError, IsADirectoryError, NotADirectoryError)) and op in _NOT_FOUND_OPS:
        return NotFoundError(f"{where} failed: not found ({path})", code="NoSuchKey", key=key)
    if isinstance(exc, PermissionError):
        return AccessDeniedError(
            f"{where} failed: permission denied on {path}. Check the permissions of the folder {root}",
            code="AccessDenied", key=key,
        )
    if exc.errno in TRANSIENT_ERRNOS:
        return StorageConnectionError(f"{where} failed: {reason} ({path})",
                                      code=errno.errorcode.get(exc.errno or 0, "OSError"), key=key)
    code = errno.errorcode.get(exc.errno or 0, type(exc).__name__)
    return StorageError(f"{where} failed: {reason} ({path})", code=code, key=key)
