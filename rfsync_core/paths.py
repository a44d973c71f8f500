"""Local path → server path, and the one safe way to turn a server key back into a local path.

Both functions are pure string work on the *input's* conventions, not the running OS's: a Windows
path given on Linux (a farm-side tool reading a Windows artist's ``upload.json``) maps exactly as it
would on Windows. :func:`safe_join` is the single gate every downloaded key passes through.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Dict, List, Union

from .errors import LocalPathError, UnsafePathError
from .farm.layout import INPUT_PREFIX

__all__ = ["input_key", "local_to_server", "safe_join"]

_DRIVE = re.compile(r"^([A-Za-z]):")
# Windows "extended-length" prefixes: \\?\D:\... and \\?\UNC\server\share\...
_EXTENDED = re.compile(r"^[\\/]{2}[?.][\\/](?:(UNC)[\\/])?", re.IGNORECASE)


def _segments(path: str) -> List[str]:
    """Split on both separators, drop empty and ``.`` segments (repeated separators collapse)."""
    return [seg for seg in re.split(r"[\\/]", path) if seg not in ("", ".")]


def _resolve_dots(segments: List[str], original: str) -> List[str]:
    """Apply ``..`` lexically, as Windows does; climbing above the root is an error."""
    out: List[str] = []
    for seg in segments:
        if seg == "..":
            if not out:
                raise LocalPathError(f"path climbs above its root with '..': {original!r}")
            out.pop()
        else:
            out.append(seg)
    return out


def local_to_server(local_path: Union[str, os.PathLike[str]]) -> str:
    r"""Map an absolute local path (Windows or POSIX conventions) to its path on the farm.

    =============================  ============================  ===================================
    local path                     server path                   rule
    =============================  ============================  ===================================
    ``D:\proj\a.exr``              ``/D/proj/a.exr``             drive letter becomes first segment
    ``D:/proj/a.exr``              ``/D/proj/a.exr``             either separator
    ``d:\proj\a.exr``              ``/d/proj/a.exr``             drive letter case kept (as the seed)
    ``D:\proj/sub\\a.exr``         ``/D/proj/sub/a.exr``         mixed and repeated separators
    ``\\nas01\share\a.exr``        ``/nas01/share/a.exr``        UNC: server name is first segment
    ``//nas01/share/a.exr``        ``/nas01/share/a.exr``        UNC with forward slashes
    ``\\?\D:\proj\a.exr``          ``/D/proj/a.exr``             extended-length prefix dropped
    ``\\?\UNC\nas01\s\a.exr``      ``/nas01/s/a.exr``            extended-length UNC
    ``/mnt/proj/a.exr``            ``/mnt/proj/a.exr``           POSIX: kept, first segment too
    ``/mnt/my proj/été.exr``       ``/mnt/my proj/été.exr``      spaces, non-ASCII untouched
    ``D:\proj\..\b\.\a.exr``       ``/D/b/a.exr``                ``.``/``..`` resolved lexically
    ``proj\a.exr``, ``C:foo``      LocalPathError                relative, drive-relative
    =============================  ============================  ===================================

    The drive letter keeps its case because the seed did so: keys already on the farm stay valid.
    A backslash is always a separator (it is one on Windows), also in a POSIX path. A trailing
    separator is dropped. ``..`` above the root, an empty path, a path naming only a root (``/``)
    and a NUL character are errors.
    """
    path = os.fspath(local_path)
    if not isinstance(path, str):
        raise LocalPathError(f"local path must be text, not {type(path).__name__}: {path!r}")
    if not path:
        raise LocalPathError("local path is empty")
    if "\x00" in path:
        raise LocalPathError(f"local path contains a NUL character: {path!r}")
    rest = path
    prefix: List[str] = []
    extended = _EXTENDED.match(rest)
    if extended:
        rest = rest[extended.end():]
        if extended.group(1) is None and not _DRIVE.match(rest):
            raise LocalPathError(f"unsupported Windows device path: {path!r}")
        if extended.group(1) is not None:
            rest = "//" + rest
    drive = _DRIVE.match(rest)
    if drive:
        after = rest[drive.end():]
        if not after or after[0] not in "\\/":
            raise LocalPathError(
                f"drive-relative path (no separator after {drive.group(0)!r}) is not absolute: {path!r}"
            )
        prefix = [drive.group(1)]
        rest = after
    elif not rest.startswith(("/", "\\")):
        raise LocalPathError(f"local path is relative, an absolute path is needed: {path!r}")
    segments = prefix + _resolve_dots(_segments(rest), path)
    if not segments:
        raise LocalPathError(f"local path names only a root, not a file or folder: {path!r}")
    return "/" + "/".join(segments)


def input_key(server_path: str) -> str:
    """Storage key of an asset: ``"/D/proj/a.exr"`` → ``"input/D/proj/a.exr"``.

    Repeated slashes collapse; ``.``/``..`` segments, backslashes, NUL and an empty path raise
    :class:`UnsafePathError` (a hand-edited manifest must not reach outside ``input/``).
    """
    if "\x00" in server_path or "\\" in server_path:
        raise UnsafePathError(f"server path contains a backslash or NUL: {server_path!r}")
    segments = [seg for seg in server_path.split("/") if seg]
    if not segments:
        raise UnsafePathError(f"server path is empty: {server_path!r}")
    for seg in segments:
        if seg in (".", ".."):
            raise UnsafePathError(f"server path has a {seg!r} segment: {server_path!r}")
    return INPUT_PREFIX + "/".join(segments)


def _within(root_real: str, candidate_real: str) -> bool:
    try:
        return os.path.commonpath([root_real, candidate_real]) == root_real
    except ValueError:  # different drives on Windows
        return False


def safe_join(root: Union[str, Path], key: str) -> str:
    """Local path for the server ``key`` under ``root``; :class:`UnsafePathError` if it could escape.

    ``key`` is ``/``-separated and relative. Refused (the message names key and root): an empty key,
    empty segments (``a//b``, ``a/``), ``.``/``..`` or dots-and-spaces-only segments (Windows strips
    trailing dots and spaces, so ``".. "`` means ``..`` there), a leading ``/``, a drive letter
    (``C:x``), any colon on Windows (alternate data streams), backslashes, NUL, and any key whose real
    path — following symlinks already present under ``root`` — lands outside ``root``'s real path.
    Returns ``abspath(root)`` joined with the key's segments (not resolved through symlinks).
    The symlink check is made now; a symlink planted later is outside this function's reach.
    For many keys under one root, :class:`SafeJoiner` gives the same answers faster.
    """
    return SafeJoiner(root).join(key)


class SafeJoiner:
    """:func:`safe_join` for many keys under one root, remembering each folder's real path.

    Why: resolving every key from the root costs a system call per path segment; the files of a
    download share a few folders. A key's real path is its folder's (remembered) real path plus
    its name, resolved again only when that name is itself a symlink: one ``lstat`` per key.
    Folders are resolved when first seen, so a symlink planted in one later is not noticed (as
    with :func:`safe_join`, whose checks are made when it is called).
    """

    def __init__(self, root: Union[str, Path]) -> None:
        self.root = os.fspath(root)
        self.root_abs = os.path.abspath(self.root) if self.root else ""
        self.root_real = os.path.realpath(self.root_abs) if self.root else ""
        self._folders: Dict[str, str] = {}

    def join(self, key: str) -> str:
        root_str = self.root
        if not root_str:
            raise UnsafePathError(f"empty download root for key {key!r}")

        def refuse(why: str) -> UnsafePathError:
            return UnsafePathError(f"unsafe server key {key!r} ({why}) for root {root_str!r}")

        if not isinstance(key, str) or not key:
            raise refuse("empty")
        if "\x00" in key:
            raise refuse("contains NUL")
        if "\\" in key:
            raise refuse("contains a backslash")
        if key.startswith("/"):
            raise refuse("absolute")
        if _DRIVE.match(key):
            raise refuse("drive letter")
        if os.name == "nt" and ":" in key:
            raise refuse("colon")
        segments = key.split("/")
        for seg in segments:
            if not seg:
                raise refuse("empty segment")
            if seg.strip(". ") == "":
                raise refuse(f"{seg!r} segment")
        joined = os.path.join(self.root_abs, *segments)
        folder = os.path.dirname(joined)
        folder_real = self._folders.get(folder)
        if folder_real is None:
            folder_real = self._folders[folder] = os.path.realpath(folder)
        real = os.path.join(folder_real, segments[-1])
        if os.path.islink(real):
            real = os.path.realpath(real)
        if not _within(self.root_real, real):
            raise refuse("resolves outside the root")
        return joined
