"""Files rfsync creates next to user data, MD5 helpers and byte units: one owner for each.

Every file rfsync writes beside the user's own (manifests, task configs, settings, sidecars,
temp files of atomic writes, downloaded ``.part`` files) is created through :func:`create_new`:
``O_CREAT | O_EXCL | O_NOFOLLOW``, so a symlink planted at that name is never followed and an
existing file is never reused — a planted ``x.tmp -> ~/.bashrc`` makes the write fail instead of
truncating the link's target. Whole files are replaced with :class:`AtomicFile` (a uniquely named
temp beside the target, fsynced, renamed over it, folder fsynced), so a reader sees the old file
or the new one, never half of one; ``os.replace`` renames over a link, it does not write through it.

Standard library only: the installers import this before anything else is installed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import stat
from typing import IO, Any, Callable, Optional, Union

__all__ = [
    "TEMP_RE",
    "AtomicFile",
    "MiB",
    "create_new",
    "fsync_dir",
    "is_md5",
    "md5_file",
    "new_md5",
    "remove_quietly",
    "temp_name",
    "write_atomic",
    "write_json_atomic",
]

MiB = 1024 * 1024

_NEW_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0)
_MD5_RE = re.compile(r"^[0-9a-f]{32}$")

TEMP_RE = re.compile(r"^\..*\.rfsync-[0-9a-f]+\.tmp$")
"""The names :func:`temp_name` gives: hidden from listings of a folder platform and of downloads."""


def is_md5(text: str) -> bool:
    """True for a 32-hex-digit MD5 (a single-part ETag without quotes); multipart ETags are not."""
    return bool(_MD5_RE.match(text.strip('"').lower()))


def new_md5() -> Any:
    """An MD5 hasher that still works on FIPS builds of Python (MD5 is a checksum here, not security)."""
    try:
        return hashlib.md5(usedforsecurity=False)
    except TypeError:  # pragma: no cover - Python built without the keyword
        return hashlib.md5()


def md5_file(path: str, chunk: int = MiB) -> str:
    """The hex MD5 of a whole file, read in ``chunk``-sized blocks."""
    digest = new_md5()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def create_new(path: str, mode: int = 0o666) -> int:
    """Open a file that must not exist yet, never following a link; return its descriptor.

    ``FileExistsError`` when anything (a file, a dangling or live symlink) is at ``path``.
    """
    return os.open(path, _NEW_FLAGS, mode)


def temp_name(target: str) -> str:
    """A fresh hidden name in ``target``'s folder (matches :data:`TEMP_RE`)."""
    folder, name = os.path.split(target)
    return os.path.join(folder, f".{name[:100]}.rfsync-{secrets.token_hex(6)}.tmp")


def remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def fsync_dir(path: str) -> None:
    """Make a rename durable where the OS allows it (not on Windows, not on some shares)."""
    if os.name == "nt":
        return
    try:
        fd = os.open(path or ".", os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class AtomicFile:
    """A new file written beside ``target`` under a temp name and renamed over it on :meth:`commit`.

    ``with AtomicFile(path, text=True) as fh: fh.write(...)`` commits on a clean exit and removes the
    temp on an error. :meth:`finish` + :meth:`replace` split the two steps, so several files can be
    written first and renamed together (``rfsync cut``). A replaced file keeps its permissions; a
    new one gets what the umask gives, as ``open`` would.
    """

    def __init__(self, target: str, *, text: bool = False, fsync: bool = True) -> None:
        self.target = target
        self.fsync = fsync
        self.temp = temp_name(target)
        fd = create_new(self.temp)
        try:
            if text:
                self.file: IO[Any] = os.fdopen(fd, "w", encoding="utf-8", newline="\n")
            else:
                self.file = os.fdopen(fd, "wb")
        except BaseException:
            os.close(fd)
            remove_quietly(self.temp)
            raise
        self._done = False

    def __enter__(self) -> IO[Any]:
        return self.file

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()

    def finish(self) -> str:
        """Flush, fsync and close the temp file (kept on disk); return its path."""
        if not self.file.closed:
            try:
                self.file.flush()
                if self.fsync:
                    os.fsync(self.file.fileno())
            finally:
                self.file.close()
        try:
            st = os.lstat(self.target)  # a link at the target is replaced, and passes on nothing of its target
            if stat.S_ISREG(st.st_mode):
                os.chmod(self.temp, stat.S_IMODE(st.st_mode))
        except OSError:
            pass
        return self.temp

    def replace(self, target: Optional[str] = None) -> str:
        """Rename the finished temp over ``target`` (default: the one given at creation)."""
        target = target or self.target
        try:
            os.replace(self.temp, target)
        except BaseException:
            self.discard()
            raise
        self._done = True
        if self.fsync:
            fsync_dir(os.path.dirname(target))
        return target

    def commit(self, target: Optional[str] = None) -> str:
        try:
            self.finish()
        except BaseException:
            self.discard()
            raise
        return self.replace(target)

    def discard(self) -> None:
        """Close and remove the temp file (nothing happens to the target)."""
        if not self.file.closed:
            try:
                self.file.close()
            except OSError:
                pass
        if not self._done:
            remove_quietly(self.temp)


def write_atomic(target: str, data: Union[str, bytes, Callable[[IO[Any]], None]], *, fsync: bool = True,
                 text: Optional[bool] = None) -> None:
    """Replace ``target`` with ``data`` (text, bytes, or a function writing to the open file).

    Text is UTF-8 with ``\\n`` line ends; a function gets a text file unless ``text=False``.
    Raises ``OSError`` as ``open`` would; nothing is left behind.
    """
    if text is None:
        text = not isinstance(data, bytes)
    with AtomicFile(target, text=text, fsync=fsync) as fh:
        if callable(data):
            data(fh)
        else:
            fh.write(data)


def write_json_atomic(target: str, data: Any) -> None:
    """Replace ``target`` with canonical JSON (2-space indent, sorted keys, UTF-8, final newline)."""

    def write(fh: IO[str]) -> None:
        json.dump(data, fh, indent=2, sort_keys=True, ensure_ascii=False)
        fh.write("\n")

    write_atomic(target, write)
