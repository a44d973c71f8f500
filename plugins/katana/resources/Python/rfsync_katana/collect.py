"""Every file the open Katana project depends on (Katana API calls only; expansion is rfsync_core's).

Walks ``NodegraphAPI.GetAllNodes()`` and reads, per node:

- the known asset parameters: ``Alembic_In.abcAsset``, ``UsdIn.fileName`` (hosts.md) and
  ``ImageRead.file`` (unconfirmed: harmless when the parameter does not exist);
- on renderers' shading nodes (``ArnoldShadingNode``, ``PrmanShadingNode``, ``DlShadingNode``,
  ``RedshiftShadingNode``, any ``*ShadingNode``; inside a ``NetworkMaterialCreate`` or not), the shader
  parameters whose *name* says texture: ``parameters.<name>`` or ``parameters.<name>.value`` for
  ``filename``/``fileName``, ``file``, ``texture``, ``tex``, ``textureFile``, ``fileTextureName``, with an
  optional index (``tex0``, ``filename1``) — PxrTexture and Arnold ``image`` use ``filename``,
  Redshift ``TextureSampler`` ``tex0``, 3Delight ``dlTexture`` ``textureFile`` (see plugins/katana/README.md
  for the sources). These come from the shader's .args, whose hints are unconfirmed, so names count;
- every ``string``/``stringArray`` parameter whose hint widget is ``assetIdInput`` or
  ``fileInput`` (hint strings are dicts written as text; 3rd-party API stub).

Values are read at the project's in-time. Empty values are skipped; values that look like
asset-system URIs (``scheme://…``) are reported as warnings, not as local files. UDIM tiles,
frame patterns (``#``, ``%04d``, ``<UDIM>``…) and ``.tx``/``.tex`` siblings are expanded by
:func:`rfsync_core.collect_files`; relative paths resolve against the project file's folder
(how Katana itself resolves them is unconfirmed).
"""

from __future__ import annotations

import ast
import os
import re
from typing import Any, Dict, Iterator, List, Optional, Set, Tuple

from Katana import FarmAPI, NodegraphAPI

from rfsync_core import CollectResult, collect_files

KNOWN_ASSET_PARAMS: Dict[str, Tuple[str, ...]] = {
    "Alembic_In": ("abcAsset",),
    "UsdIn": ("fileName",),
    "ImageRead": ("file",),  # unconfirmed parameter name
}
SHADING_NODE_SUFFIX = "ShadingNode"
"""ArnoldShadingNode, PrmanShadingNode, DlShadingNode, RedshiftShadingNode… (one per renderer plug-in)."""
TEXTURE_PARAM_RE = re.compile(r"^(filename|file|texture|tex|texturefile|filetexturename)\d*$", re.IGNORECASE)
"""Shader parameter names that hold a texture file (ciokatana ``asset_scraper.py``; renderer scripts)."""
ASSET_WIDGETS = ("assetIdInput", "fileInput")
STRING_TYPES = ("string", "stringArray")

_WIDGET_RE = re.compile(r"""["']widget["']\s*:\s*["']([A-Za-z0-9_]+)["']""")
_URI_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")


def hint_widget(param: Any) -> str:
    """The ``widget`` entry of a parameter's hints, or ''."""
    try:
        text = str(param.getHintString() or "")
    except Exception:  # a parameter without hint support
        return ""
    if not text:
        return ""
    try:
        hints = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        hints = None
    if isinstance(hints, dict):
        return str(hints.get("widget", "") or "")
    m = _WIDGET_RE.search(text)
    return m.group(1) if m else ""


def walk(param: Any) -> Iterator[Any]:
    """A parameter and all parameters below it, depth first."""
    stack = [param]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(list(current.getChildren() or [])))


def _values(param: Any, time: float) -> List[str]:
    """Non-empty string values of a string parameter or of each element of a string array."""
    if param.getType() == "stringArray":
        out: List[str] = []
        for child in param.getChildren() or []:
            out += _values(child, time)
        return out
    value = param.getValue(time)
    return [value.strip()] if isinstance(value, str) and value.strip() else []


def is_asset_param(param: Any) -> bool:
    """A string (array) parameter whose hint widget, or its array's, is a file/asset picker."""
    if param.getType() not in STRING_TYPES:
        return False
    if hint_widget(param) in ASSET_WIDGETS:
        return True
    parent = param.getParent() if hasattr(param, "getParent") else None
    return parent is not None and parent.getType() == "stringArray" and hint_widget(parent) in ASSET_WIDGETS


def shading_texture_params(node: Any) -> List[Any]:
    """A shading node's string parameters named like a texture (``parameters.<name>[.value]``)."""
    if not str(node.getType()).endswith(SHADING_NODE_SUFFIX):
        return []
    group = node.getParameter("parameters")
    out = []
    for child in (group.getChildren() or []) if group is not None else []:
        if not TEXTURE_PARAM_RE.match(str(child.getName())):
            continue
        values = [c for c in child.getChildren() or [] if c.getName() == "value"] \
            if child.getType() == "group" else [child]  # getChildren: in hosts.md; getChild is not
        out += [v for v in values if v.getType() in STRING_TYPES]
    return out


def node_asset_params(node: Any) -> List[Any]:
    """The parameters of ``node`` that name files: the known ones, shading-node textures by name, then
    every file-hinted string."""
    node_type = str(node.getType())
    params: List[Any] = []
    seen: Set[str] = set()
    known = [node.getParameter(name) for name in KNOWN_ASSET_PARAMS.get(node_type, ())]
    for param in [p for p in known if p is not None] + shading_texture_params(node):
        if str(param.getFullName()) not in seen:
            params.append(param)
            seen.add(str(param.getFullName()))
    root = node.getParameters()
    if root is None:
        return params
    for param in walk(root):
        full = str(param.getFullName())
        if full in seen or param.getType() not in STRING_TYPES:
            continue
        if is_asset_param(param):
            params.append(param)
            seen.add(full)
            if param.getType() == "stringArray":
                seen.update(str(c.getFullName()) for c in param.getChildren() or [])
    return params


def dependency_paths() -> Tuple[List[Tuple[str, str]], List[str]]:
    """([(parameter full name, path or pattern)], warnings) — not yet checked on disk."""
    time = float(NodegraphAPI.GetInTime())
    found: List[Tuple[str, str]] = []
    warnings: List[str] = []
    for node in NodegraphAPI.GetAllNodes() or []:
        for param in node_asset_params(node):
            where = str(param.getFullName())
            try:
                values = _values(param, time)
            except Exception as err:  # one unreadable parameter must not hide the others
                warnings.append(f"{where}: cannot read ({err})")
                continue
            for value in values:
                if _URI_RE.match(value):
                    warnings.append(f"{where}: {value} is an asset id, not a local file: not uploaded")
                else:
                    found.append((where, value))
    return found, warnings


def project_file() -> Optional[str]:
    """The saved project file; None when unsaved (an empty or non-absolute name counts as unsaved)."""
    path = str(NodegraphAPI.GetProjectFile() or FarmAPI.GetKatanaFileName() or "")
    if not path or not os.path.isabs(path) or not os.path.isfile(path):
        return None
    return os.path.normpath(path)


def project_dir(scene: Optional[str]) -> Optional[str]:
    if scene:
        return os.path.dirname(scene)
    folder = str(NodegraphAPI.GetProjectDir() or "")
    return folder if os.path.isabs(folder) else None


def collect_scene(scene: Optional[str] = None) -> CollectResult:
    """Found files (absolute, sorted, project file included), missing paths/patterns, warnings."""
    if scene is None:
        scene = project_file()
    pairs, warnings = dependency_paths()
    base = project_dir(scene)
    paths: List[str] = [scene] if scene else []
    for where, value in pairs:
        resolved = value if os.path.isabs(value) or base is None else os.path.join(base, value)
        if os.path.isdir(os.path.expanduser(resolved)):
            warnings.append(f"{where}: {value} is a folder, not a file: not uploaded")
        else:
            paths.append(value)
    found, missing = collect_files(paths, base_dir=base)
    return CollectResult(found=found, missing=missing, warnings=warnings)
