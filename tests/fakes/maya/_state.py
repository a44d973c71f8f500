"""The state behind the fake ``maya`` package: one scene, the UI registry, queued deferred calls.

Tests (and the batch subprocess) drive it through :data:`STATE`. A scene can be
saved to / opened from a JSON file (the fake's "scene format"), so
``cmds.file(path, open=True, force=True)`` works in another process.

Faithful to the real API where the plugin depends on it (see
/work/shared/hosts.md "Fakes checklist"): empty queries return None
(filePathEditor, listAttr, listRelatives), UI commands fail in batch, a
reference query on a ``sharedReferenceNode`` raises, filePathEditor needs a
``refresh`` to see scene changes, duplicate UI names raise.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

SCENE_FORMAT = "fake-maya-scene/1"
MAIN_WINDOW = "MayaWindow"
SHELF_TOP = "MayaWindow|toolBar2|MainShelfLayout|formLayout14|ShelfLayout"
MAIN_PROGRESS_BAR = "MayaWindow|mainProgressBar"
"""``$gMainProgressBar`` (its exact path is unconfirmed; plugins only pass it back to ``progressBar``)."""


@dataclass
class Node:
    name: str
    type: str
    attrs: Dict[str, Any] = field(default_factory=dict)
    filename_attrs: List[str] = field(default_factory=list)
    parent: Optional[str] = None


@dataclass
class Reference:
    node: str
    file: str
    loaded: bool = True
    copy: int = 0


@dataclass
class Menu:
    name: str
    label: str
    parent: str
    items: List[Dict[str, Any]] = field(default_factory=list)


class State:
    def __init__(self) -> None:
        self.reset()

    def reset(self, batch: bool = False, version: str = "2025") -> None:
        self.batch = batch
        self.version = version
        self.standalone_required = os.environ.get("RFSYNC_FAKE_MAYA_STANDALONE") == "1"
        self.initialized = not self.standalone_required
        self.uninitialized = False
        self.menus: Dict[str, Menu] = {}
        self.shelves: Dict[str, Dict[str, Dict[str, Any]]] = {"Custom": {}}
        self.selected_tab = "Custom"
        self.deferred: List[Callable[[], Any]] = []
        self.dialogs: List[Dict[str, Any]] = []
        self.answers: List[str] = []
        self.main_window_ptr: Optional[int] = None
        self.saves = 0
        self.progress_calls: List[Dict[str, Any]] = []
        """Every ``cmds.progressBar`` edit of the main progress bar, with the calling thread's name."""
        self.progress_begun = False
        self.infos: List[Any] = []
        """``(message, thread name)`` of each ``MGlobal.displayInfo``."""
        self.plugins: Dict[str, bool] = {}
        self._counter = 0
        self.new_scene()

    # -- scene ---------------------------------------------------------------------------
    def new_scene(self) -> None:
        self.scene_name = ""
        self.modified = False
        self.workspace_root = ""
        self.file_rules: Dict[str, str] = {"images": "images"}  # a new project's default rule
        self.nodes: Dict[str, Node] = {}
        self.references: Dict[str, Reference] = {}
        self._fpe_snapshot: Optional[List[tuple]] = None
        for name, typ, attrs, parent in [
            ("defaultRenderGlobals", "renderGlobals",
             {"currentRenderer": "arnold", "animation": False, "startFrame": 1.0, "endFrame": 10.0,
              "byFrame": 1.0}, None),
            ("defaultRenderLayer", "renderLayer", {"renderable": True}, None),
            ("persp", "transform", {}, None), ("perspShape", "camera", {"renderable": True}, "persp"),
            ("top", "transform", {}, None), ("topShape", "camera", {"renderable": False}, "top"),
        ]:
            self.nodes[name] = Node(name, typ, dict(attrs), [], parent)
        self.playback = (1.0, 24.0)

    def add_node(self, name: str, type: str, attrs: Optional[Dict[str, Any]] = None,
                 filename_attrs: Optional[List[str]] = None, parent: Optional[str] = None) -> Node:
        node = Node(name, type, dict(attrs or {}), list(filename_attrs or []), parent)
        self.nodes[name] = node
        self.modified = True
        return node

    def add_usd_proxy_shape(self, name: str, file_path: str) -> Node:
        """A mayaUSD stage (``mayaUsdProxyShape``) whose ``filePath`` names the root layer. Whether
        maya-usd flags ``filePath`` as a file name for ``listAttr(usedAsFilename=True)`` is unconfirmed
        (usdMaya's older proxy shape, PixarAnimationStudios/USD ``third_party/maya/lib/usdMaya/proxyShape.cpp``,
        does not): the fake does not, so the plugin must read it by name."""
        return self.add_node(name, "mayaUsdProxyShape", {"filePath": file_path, "primPath": ""})

    def add_file_texture(self, name: str, path: str, uv_tiling_mode: int = 0,
                         use_frame_extension: bool = False) -> Node:
        """A ``file`` node as Maya computes it: the pattern holds <UDIM>/<f> when tiling/sequence is on."""
        pattern = path
        if uv_tiling_mode == 3:
            pattern = re.sub(r"(?<!\d)1\d{3}(?!\d)(?=[^/\\]*$)", "<UDIM>", pattern, count=1)
        if use_frame_extension:
            pattern = re.sub(r"(\d+)(?=\.[^./\\]+$)", "<f>", pattern, count=1)
        return self.add_node(name, "file", {
            "fileTextureName": path, "computedFileTextureNamePattern": pattern,
            "uvTilingMode": uv_tiling_mode, "useFrameExtension": use_frame_extension,
            "frameExtension": 1,
        }, ["fileTextureName", "computedFileTextureNamePattern"])

    def add_reference(self, node: str, path: str, loaded: bool = True) -> Reference:
        self.nodes[node] = Node(node, "reference", {}, [], None)
        ref = Reference(node, path, loaded, copy=sum(1 for r in self.references.values() if r.file == path))
        self.references[node] = ref
        self.modified = True
        return ref

    def to_json(self) -> Dict[str, Any]:
        return {
            "format": SCENE_FORMAT,
            "workspace_root": self.workspace_root,
            "playback": list(self.playback),
            "nodes": [vars(n) for n in self.nodes.values()],
            "references": [vars(r) for r in self.references.values()],
        }

    def write_scene(self, path: str) -> None:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(self.to_json(), fh, indent=1)

    def open_scene(self, path: str) -> None:
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as err:
            raise RuntimeError(f"Could not open file: {path} ({err})") from None
        if data.get("format") != SCENE_FORMAT:
            raise RuntimeError(f"File read error: {path} is not a fake Maya scene")
        self.new_scene()
        self.nodes = {n["name"]: Node(**n) for n in data["nodes"]}
        self.references = {r["node"]: Reference(**r) for r in data["references"]}
        self.workspace_root = data.get("workspace_root", "")
        self.playback = tuple(data.get("playback", (1.0, 24.0)))  # type: ignore[assignment]
        self.scene_name = os.path.abspath(path).replace("\\", "/")
        self.modified = False

    # -- filePathEditor --------------------------------------------------------------------
    def fpe_entries(self) -> List[tuple]:
        """(directory, file name, 'node.attr') for every non-empty filename attribute and reference."""
        out = []
        for node in self.nodes.values():
            for attr in node.filename_attrs:
                if attr == "computedFileTextureNamePattern":
                    continue  # the editor shows the texture's file name, not the computed pattern
                value = node.attrs.get(attr)
                if isinstance(value, str) and value:
                    directory, name = os.path.split(value.replace("\\", "/"))
                    out.append((directory, name, f"{node.name}.{attr}"))
        for ref in self.references.values():
            directory, name = os.path.split(ref.file)
            out.append((directory, name, f"{ref.node}"))
        return out

    def fpe_refresh(self) -> None:
        self._fpe_snapshot = self.fpe_entries()

    def fpe_snapshot(self) -> List[tuple]:
        return list(self._fpe_snapshot or [])

    # -- misc ----------------------------------------------------------------------------------
    def unique(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}{self._counter}"

    def restart_with_saved_shelves(self) -> None:
        """Quit and start Maya again: on exit Maya writes ``prefs/shelves/shelf_<Name>.mel``, whose
        ``shelfButton`` lines keep label, command and image but no object name, so the restored
        buttons get automatic names (hosts.md, "Maya saves shelves without object names")."""
        shelves = {name: list(buttons.values()) for name, buttons in self.shelves.items()}
        selected = self.selected_tab
        self.reset(batch=self.batch, version=self.version)
        self.shelves = {name: {self.unique("shelfButton"): dict(fields) for fields in buttons}
                        for name, buttons in shelves.items()}
        self.selected_tab = selected if selected in self.shelves else next(iter(self.shelves), "")

    def run_deferred(self) -> int:
        n = 0
        while self.deferred:
            fn = self.deferred.pop(0)
            fn()
            n += 1
        return n

    def require_initialized(self) -> None:
        if not self.initialized:
            raise RuntimeError("maya.cmds is not available: call maya.standalone.initialize() first")

    def require_ui(self, what: str) -> None:
        self.require_initialized()
        if self.batch:
            raise RuntimeError(f"{what}: this command cannot be used in batch mode")

    def log(self, line: str) -> None:
        path = os.environ.get("RFSYNC_FAKE_MAYA_LOG")
        if path:
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(line + "\n")


STATE = State()
