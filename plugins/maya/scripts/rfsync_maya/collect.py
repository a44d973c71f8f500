"""Every file the open Maya scene depends on (host API calls only; expansion is rfsync_core's).

Sources, all merged: ``cmds.file(query=True, list=True)``, the File Path
Editor, every attribute flagged ``usedAsFilename`` on every node (file
textures, Alembic, gpuCache, Arnold stand-ins, caches…), references and the
scene file itself. File textures with UDIM tiling or a frame sequence use
``computedFileTextureNamePattern`` (it holds ``<UDIM>``/``<f>``), so every tile
and frame is found. Relative paths resolve against the project's root folder.
"""

from __future__ import annotations

import os
from typing import Any, Iterable, List, Set, Tuple

from maya import cmds

from rfsync_core import CollectResult, collect_files

FILE_NODE_ATTRS = ("fileTextureName", "computedFileTextureNamePattern")


def _strings(value: Any) -> List[str]:
    """String values of an attribute (a multi or array attribute gives a list)."""
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, (list, tuple)):
        out: List[str] = []
        for item in value:
            out += _strings(item)
        return out
    return []


def _get(plug: str, default: Any = None) -> Any:
    try:
        return cmds.getAttr(plug)
    except (ValueError, RuntimeError, TypeError):
        return default


def file_node_paths(node: str) -> List[str]:
    """A ``file`` node's path: the computed pattern when UDIM tiling or a frame sequence is on."""
    raw = _strings(_get(f"{node}.fileTextureName", ""))
    pattern = _strings(_get(f"{node}.computedFileTextureNamePattern", ""))
    tiled = bool(_get(f"{node}.uvTilingMode", 0))
    sequence = bool(_get(f"{node}.useFrameExtension", False))
    if (tiled or sequence) and pattern and pattern != raw:
        return pattern
    return raw


def project_root() -> str:
    root = cmds.workspace(query=True, rootDirectory=True)
    return str(root) if root else os.getcwd()


def scene_file() -> str:
    """The open scene's path, '' when it was never saved."""
    return str(cmds.file(query=True, sceneName=True) or "")


def _file_list() -> List[str]:
    return _strings(cmds.file(query=True, list=True) or [])


def _path_editor() -> List[Tuple[str, str]]:
    """(path, 'node.attr') pairs from the File Path Editor (its queries return None when empty)."""
    cmds.filePathEditor(refresh=True)
    out: List[Tuple[str, str]] = []
    for directory in _strings(cmds.filePathEditor(query=True, listDirectories="") or []):
        flat = _strings(cmds.filePathEditor(query=True, listFiles=directory, withAttribute=True) or [])
        for name, plug in zip(flat[0::2], flat[1::2]):
            out.append((os.path.join(directory, name), plug))
    return out


def _filename_attributes(file_nodes: Set[str], warnings: List[str]) -> List[str]:
    paths: List[str] = []
    for node in cmds.ls() or []:
        if node in file_nodes:
            continue  # handled by file_node_paths
        for attr in cmds.listAttr(node, usedAsFilename=True) or []:
            try:
                value = cmds.getAttr(f"{node}.{attr}")
            except (ValueError, RuntimeError, TypeError) as err:
                warnings.append(f"{node}.{attr}: cannot read ({err})")
                continue
            paths += _strings(value)
    return paths


USD_PROXY_TYPE, USD_PROXY_ATTR = "mayaUsdProxyShape", "filePath"
"""mayaUSD's stage node and its root-layer attribute (Autodesk maya-usd; the layer's own dependencies are
followed by rfsync's shared collection)."""


def usd_proxy_paths(warnings: List[str]) -> List[str]:
    """The root layer of every mayaUSD proxy shape (read by name: it may not be flagged as a file name)."""
    paths: List[str] = []
    for node in cmds.ls(type=USD_PROXY_TYPE) or []:
        try:
            paths += _strings(cmds.getAttr(f"{node}.{USD_PROXY_ATTR}"))
        except (ValueError, RuntimeError, TypeError) as err:
            warnings.append(f"{node}.{USD_PROXY_ATTR}: cannot read ({err})")
    return paths


def _references(warnings: List[str]) -> List[str]:
    paths: List[str] = []
    for ref in cmds.ls(type="reference") or []:
        try:
            path = str(cmds.referenceQuery(ref, filename=True, withoutCopyNumber=True))
        except RuntimeError:
            continue  # e.g. sharedReferenceNode: no file of its own
        paths.append(path)
        try:
            loaded = bool(cmds.referenceQuery(ref, isLoaded=True))
        except RuntimeError:
            loaded = True
        if not loaded:
            warnings.append(f"reference {ref} ({path}) is unloaded: the files it needs were not collected")
    return paths


def dependency_paths() -> Tuple[List[str], List[str]]:
    """(every path or pattern the scene references, warnings) — not yet checked on disk."""
    warnings: List[str] = []
    file_nodes = set(cmds.ls(type="file") or [])
    paths: List[str] = []
    scene = scene_file()
    if scene:
        paths.append(scene)
    # A tiled/sequenced texture's own name stands for its pattern: drop it, or a first tile
    # that does not exist would be reported missing although the other tiles are found.
    raw_names = {raw for node in file_nodes for raw in _strings(_get(f"{node}.fileTextureName", ""))
                 if file_node_paths(node) != [raw]}
    paths += [p for p in _file_list() if p not in raw_names]
    for path, plug in _path_editor():
        node = plug.split(".", 1)[0]
        paths += file_node_paths(node) if node in file_nodes else [path]
    for node in sorted(file_nodes):
        paths += file_node_paths(node)
    paths += _filename_attributes(file_nodes, warnings)
    paths += usd_proxy_paths(warnings)
    paths += _references(warnings)
    return _unique(paths), warnings


def _unique(paths: Iterable[str]) -> List[str]:
    seen: Set[str] = set()
    out = []
    for p in paths:
        if p not in seen:
            seen.add(p)
            out.append(p)
    return out


def collect_scene() -> CollectResult:
    """Found files (absolute, sorted, scene included), missing paths/patterns, warnings."""
    paths, warnings = dependency_paths()
    root = project_root()
    files = []
    for path in paths:
        resolved = path if os.path.isabs(path) else os.path.join(root, path)
        if os.path.isdir(resolved):
            warnings.append(f"{path} is a folder, not a file: not uploaded")
        else:
            files.append(path)
    found, missing = collect_files(files, base_dir=root)
    return CollectResult(found=found, missing=missing, warnings=warnings)
