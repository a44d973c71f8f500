"""``append_to_upload``: files and folders (walked recursively) added to an ``upload.json``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, List, Sequence, Union

from ..errors import LocalPathError, ManifestError
from ..paths import local_to_server
from .model import PathArg, UploadManifest, load_manifest


def _as_path_list(files_paths: Union[PathArg, Iterable[PathArg]]) -> List[str]:
    if isinstance(files_paths, (str, bytes)) or hasattr(files_paths, "__fspath__"):
        items: Sequence[Any] = [files_paths]
    else:
        items = list(files_paths)  # type: ignore[arg-type]
    out = []
    for item in items:
        path = os.fspath(item)
        if isinstance(path, bytes):
            raise LocalPathError(f"paths must be text, not bytes: {path!r}")
        if not path:
            raise LocalPathError("an empty path was given")
        out.append(os.path.abspath(path))
    return out


def _walk_files(folder: str) -> Iterator[str]:
    """Every file under ``folder``, hidden ones too: a folder's files by name, then its subfolders.

    Directory symlinks are followed (studios link texture libraries into projects), each real
    directory at most once (visited set of ``(st_dev, st_ino)``), so symlink loops end. Broken
    symlinks and special files are skipped.
    """
    visited = set()
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            info = os.stat(current)
        except OSError:
            continue
        ident = (info.st_dev, info.st_ino)
        if ident in visited:
            continue
        visited.add(ident)
        try:
            with os.scandir(current) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as err:
            raise LocalPathError(f"cannot read folder {current}: {err.strerror or err}") from None
        subdirs = []
        for entry in entries:
            try:
                if entry.is_dir():
                    subdirs.append(entry.path)
                elif entry.is_file():
                    yield entry.path
            except OSError:
                continue
        stack.extend(reversed(subdirs))


MISSING_KEY = "missing"
"""Top-level ``upload.json`` list of files a USD stage needs that were not found: kept, never dropped,
so ``rfsync preflight`` and ``rfsync upload`` stop on them."""


@dataclass
class AppendResult:
    """What :func:`append_files` did: entries added, and what the followed USD stages lack."""

    added: int = 0
    missing: List[str] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)


def _with_usd(paths: List[str], result: AppendResult) -> List[str]:
    """``paths`` plus the dependency closure of each USD file among them."""
    from ..collect import CollectResult, follow_usd

    usd = follow_usd(CollectResult(found=list(paths)))
    result.missing.extend(usd.missing)
    result.warnings.extend(usd.warnings)
    given = set(paths)
    return paths + [p for p in usd.found if p not in given]


def append_to_upload(files_paths: Union[PathArg, Iterable[PathArg]], upload_path: PathArg) -> int:
    """The seed's call: :func:`append_files` without following USD stages; returns how many were added."""
    return append_files(files_paths, upload_path, follow_usd=False).added


def append_files(files_paths: Union[PathArg, Iterable[PathArg]], upload_path: PathArg,
                 follow_usd: bool = True) -> AppendResult:
    """Add files and folders (walked recursively) to ``upload_path``'s ``asset`` list; return how many.

    ``files_paths`` is one path or a list; relative paths are taken from the current folder. Each
    file becomes ``{"local": <absolute path>, "server": local_to_server(path)}``; entries whose
    server path is already listed (``scene`` or ``asset``) are skipped. Checks come first, so a
    failure writes nothing: every missing path is named in one :class:`LocalPathError`; an invalid
    existing manifest raises :class:`ManifestError` and stays untouched. A manifest without
    ``asset`` gets one. A manifest that does not exist yet is created (its folder must exist).
    The file is written atomically, and only when something was added or it did not exist.
    ``follow_usd``: a ``.usd/.usda/.usdc/.usdz`` file, given or found in a walked folder, brings its whole
    closure (:mod:`rfsync_core.usd`); what it needs but is not found is listed under the manifest's
    :data:`MISSING_KEY`.
    """
    target = os.path.abspath(os.fspath(upload_path))
    paths = _as_path_list(files_paths)
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise LocalPathError(f"not found (nothing added to {target}): " + ", ".join(missing))
    exists = os.path.exists(target)
    manifest = load_manifest(target) if exists else UploadManifest()
    if not exists and not os.path.isdir(os.path.dirname(target)):
        raise ManifestError(f"cannot create {target}: folder {os.path.dirname(target)} does not exist")
    known = manifest.server_paths()
    result = AppendResult()
    files = [local for path in paths for local in (_walk_files(path) if os.path.isdir(path) else [path])
             if os.path.abspath(local) != target]  # a folder holding the manifest: never list the manifest itself
    if follow_usd:  # after the walk: a USD stage found inside a folder brings its closure too
        files = _with_usd(files, result)
    added = 0
    for local in files:
        server = local_to_server(local)
        if server in known:
            continue
        known.add(server)
        manifest.asset.append({"local": local, "server": server})
        added += 1
    listed = manifest.extra.get(MISSING_KEY)
    lost = sorted(set(listed if isinstance(listed, list) else []) | set(result.missing))
    changed = lost != listed and bool(lost)
    if lost:
        manifest.extra[MISSING_KEY] = lost
    if added or changed or not exists:
        manifest.save(target)
    result.added = added
    return result
