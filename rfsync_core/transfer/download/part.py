"""Filling one ``.part`` file with a single (resumable) GET, hashing the bytes as they arrive.

Why hash while streaming: re-reading every finished file to compute its MD5
doubled the CPU cost of big downloads and added a file open + read per small
file. The digest covers the bytes exactly as written; a resumed ``.part``
has its existing prefix hashed once before the tail is appended.
"""

from __future__ import annotations

import os
import stat
from typing import Any, Optional, Tuple

from ..._files import MiB, create_new, is_md5, md5_file, new_md5
from ...errors import UnsafePathError
from ...storage.base import ByteHook, ObjectInfo, Storage

PART_SUFFIX = ".part"
HASH_CHUNK = 4 * MiB
_RW_NOFOLLOW = os.O_RDWR | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)


def open_part(part: str, *, fresh: bool = False) -> int:
    """Open ``part`` read-write, never through a symlink; create it (``create_new``) when absent.

    ``fresh``: the file must be new (an existing one is removed first), as a download that starts over
    needs. A link planted at the name makes the open fail (``ELOOP``) instead of writing through it, and
    a file with other hard links is refused (:class:`UnsafePathError`).
    """
    if fresh:
        try:
            os.remove(part)
        except FileNotFoundError:
            pass
    try:
        fd = os.open(part, _RW_NOFOLLOW)
    except FileNotFoundError:
        os.close(create_new(part))
        fd = os.open(part, _RW_NOFOLLOW)
    if os.fstat(fd).st_nlink > 1:  # planted since the caller looked (see shared_part)
        os.close(fd)
        raise UnsafePathError(f"{part} has other hard links; not writing through it")
    return fd


def shared_part(part: str) -> bool:
    """True when an existing ``part`` is a hard link to a file with other names (anywhere): it is not ours,
    and resuming it would write into that other file. The caller removes the name and starts afresh."""
    try:
        st = os.lstat(part)
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and st.st_nlink > 1


class FdWriter:
    """The smallest file object ``get_to_file`` needs: ``write`` straight to an OS file descriptor.

    Why not ``open()``: its buffered layer costs extra system calls per small file
    (a terminal check, seeks, a copy), and each call hands the interpreter lock around
    between download threads. Feeds an MD5 digest too when given one.
    """

    def __init__(self, fd: int, digest: Any = None) -> None:
        self.fd = fd
        self.digest = digest

    def write(self, data: bytes) -> int:
        if self.digest is not None:
            self.digest.update(data)
        view = memoryview(data)
        while view:
            view = view[os.write(self.fd, view):]
        return len(data)


def _hash_prefix(digest: Any, fd: int, length: int) -> None:
    """Hash the first ``length`` bytes, leaving the position at ``length`` (no ``pread``: Windows has none)."""
    os.lseek(fd, 0, os.SEEK_SET)
    pos = 0
    while pos < length:
        data = os.read(fd, min(HASH_CHUNK, length - pos))
        if not data:
            break
        digest.update(data)
        pos += len(data)
    os.lseek(fd, length, os.SEEK_SET)


def fill_tail(storage: Storage, key: str, part: str, info: ObjectInfo, hook: ByteHook, *,
              want_md5: bool) -> Tuple[ObjectInfo, Optional[str], os.stat_result]:
    """One attempt: append the missing tail of ``part``.

    Returns (info from the GET, MD5 hex of the whole file or None, the file's stat after writing).
    The caller retries; every attempt resumes at the current end of the file (a corrupt attempt
    truncates it, see BadDigestError in the caller).
    """
    fd = open_part(part)
    try:
        offset = os.lseek(fd, 0, os.SEEK_END)
        if offset > info.size:
            os.ftruncate(fd, 0)
            offset = os.lseek(fd, 0, os.SEEK_SET)
        # An engine that checks a whole body's MD5 itself (S3) is not hashed for twice.
        engine_checks = offset == 0 and storage.checks_download_md5
        digest = new_md5() if want_md5 and not engine_checks else None
        if digest is not None and offset:
            _hash_prefix(digest, fd, offset)
        if offset == info.size and offset > 0:
            got = info
        else:
            got = storage.get_to_file(key, FdWriter(fd, digest), offset=offset, hook=hook)
        st = os.fstat(fd)
    finally:
        os.close(fd)
    if digest is not None:
        return got, digest.hexdigest(), st
    checked = want_md5 and engine_checks and is_md5(got.etag)  # else verify_part reads the file again
    return got, (got.etag.lower() if checked else None), st


def verify_part(part: str, got: ObjectInfo, md5_hex: Optional[str], size: Optional[int] = None) -> str:
    """'' when the .part is the object; else what is wrong. Uses ``md5_hex`` when given, else re-reads;
    ``size`` when the caller has just stat-ed the file."""
    size = os.path.getsize(part) if size is None else size
    if size != got.size:
        return f"size {size} instead of {got.size}"
    if is_md5(got.etag):
        local = md5_hex if md5_hex is not None else md5_file(part, HASH_CHUNK)
        if local != got.etag.lower():
            return f"MD5 {local} instead of {got.etag.lower()}"
    return ""
