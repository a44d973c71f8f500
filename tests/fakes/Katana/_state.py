"""The state behind the fake Katana modules: one node graph, the UI, registered callbacks.

Katana cannot be installed here, so tests run the plugin against these fakes. Which
/work/shared/hosts.md facts each fake follows:

- ``Katana`` package exposes ``NodegraphAPI``, ``Callbacks``, ``FarmAPI``, ``KatanaFile``,
  ``Configuration``, ``UI4``; top-level ``NodegraphAPI``, ``UI4`` and ``KatanaInfo`` import too
  ("Fakes checklist").
- Graph: ``NodegraphAPI.GetAllNodes()``, ``GetAllNodesByType(t)``; ``node.getType()``,
  ``node.getParameters()`` (the root group), ``node.getParameter("a.b.c")`` (None when absent);
  ``p.getChildren()``, ``p.getValue(frameTime)`` (time is a required argument), ``p.getType()``
  (``number``, ``numberArray``, ``string``, ``stringArray``, ``group``), ``p.getFullName()``,
  ``p.getHintString()`` (a dict written as a string, '' without hints).
- Scene: ``GetProjectFile()``, ``GetProjectDir()``, ``FarmAPI.GetKatanaFileName()``,
  ``GetKatanaSceneName()``; frames ``GetInTime()/GetOutTime()`` and the working range.
- ``KatanaFile.Load(path, isCrashFile=False)``, ``Save(path)``, ``New()``.
- ``Callbacks.addCallback(Callbacks.Type.X, fn)``; callbacks get keyword arguments incl. ``objectHash``.
- ``Configuration.get("KATANA_UI_MODE")`` is truthy only in the GUI.
- ``UI4.App.MainWindow.GetMainWindow()`` is None until the window exists (and always in script mode).
- ``FarmAPI.AddFarmMenuOption(text, handle)``, ``GetSortedDependencyList(nodes)`` → dicts with
  ``name``, ``service``, ``range``, ``deps``, ``outputs`` (3rd-party facts, kept as such).

Not from hosts.md (marked where defined): ``KatanaFile.IsFileDirty()`` (the plugin treats it as
optional), the JSON "scene format" of this fake, and the test hooks (``fire``, ``answers``…).
"""

from __future__ import annotations

import json
import os
from typing import Any, Callable, Dict, List, Optional

SCENE_FORMAT = "fake-katana-scene/1"

PARAM_TYPES = ("group", "string", "number", "stringArray", "numberArray", "curve")


class Parameter:
    """A Katana parameter: a group (children), an array (children) or a leaf with one value."""

    def __init__(self, node: Node, name: str, type: str, value: Any = None, hints: str = "",
                 parent: Optional[Parameter] = None) -> None:
        if type not in PARAM_TYPES:
            raise ValueError(f"unknown parameter type {type!r}")
        self._node = node
        self._name = name
        self._type = type
        self._value = value
        self._hints = hints
        self._parent = parent
        self._children: List[Parameter] = []

    def getName(self) -> str:
        return self._name

    def getType(self) -> str:
        return self._type

    def getNode(self) -> Node:
        return self._node

    def getParent(self) -> Optional[Parameter]:
        return self._parent

    def getChildren(self) -> List[Parameter]:
        return list(self._children)

    def getChild(self, name: str) -> Optional[Parameter]:
        for child in self._children:
            if child._name == name:
                return child
        return None

    def getNumChildren(self) -> int:
        return len(self._children)

    def getValue(self, frameTime: float) -> Any:  # the time is required in Katana
        if self._type in ("group", "stringArray", "numberArray"):
            raise TypeError(f"{self.getFullName()}: a {self._type} parameter has no single value")
        return self._value

    def setValue(self, value: Any, frameTime: float) -> None:
        self._value = value
        STATE.dirty = True

    def getHintString(self) -> str:
        return self._hints

    def getFullName(self) -> str:
        names = []
        param: Optional[Parameter] = self
        while param is not None and param._parent is not None:
            names.append(param._name)
            param = param._parent
        return ".".join([self._node.getName(), *reversed(names)])

    def add(self, name: str, type: str, value: Any = None, hints: str = "") -> Parameter:
        child = Parameter(self._node, name, type, value, hints, parent=self)
        self._children.append(child)
        return child

    def to_json(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {"name": self._name, "type": self._type}
        if self._children or self._type in ("group", "stringArray", "numberArray"):
            out["children"] = [c.to_json() for c in self._children]
        else:
            out["value"] = self._value
        if self._hints:
            out["hints"] = self._hints
        return out


class Node:
    def __init__(self, name: str, type: str, parent: Optional[str] = None) -> None:
        self._name = name
        self._type = type
        self._parent = parent
        self._params = Parameter(self, "", "group")

    def getName(self) -> str:
        return self._name

    def getType(self) -> str:
        return self._type

    def getParameters(self) -> Parameter:
        return self._params

    def getParameter(self, path: str) -> Optional[Parameter]:
        param: Optional[Parameter] = self._params
        for part in path.split("."):
            if param is None:
                return None
            param = param.getChild(part)
        return param

    def getChildren(self) -> List[Node]:
        return [n for n in STATE.nodes.values() if n._parent == self._name]

    def getParent(self) -> Optional[Node]:
        return STATE.nodes.get(self._parent) if self._parent else None

    def to_json(self) -> Dict[str, Any]:
        return {"name": self._name, "type": self._type, "parent": self._parent,
                "params": [c.to_json() for c in self._params.getChildren()]}


def _params_from_json(parent: Parameter, specs: List[Dict[str, Any]]) -> None:
    for spec in specs:
        child = parent.add(spec["name"], spec["type"], spec.get("value"), spec.get("hints", ""))
        _params_from_json(child, spec.get("children", []))


def version_for_binding() -> str:
    """The Katana that ships the Qt binding under test (hosts.md: up to 7.5 PyQt5, from 8.0 PySide6), so
    the plugin's binding check sees a consistent host. PySide2 (no Katana ships it) and no Qt: 8.0."""
    try:
        import Qt
    except ImportError:
        return "8.0v1"
    return "7.5v1" if getattr(Qt, "__binding__", "") == "PyQt5" else "8.0v1"


class State:
    def __init__(self) -> None:
        self.reset()

    def reset(self, ui: Optional[bool] = None, version: Optional[str] = None) -> None:
        if ui is None:
            ui = os.environ.get("RFSYNC_FAKE_KATANA_MODE", "ui") == "ui"
        self.ui = ui
        self.version = version or version_for_binding()
        self.callbacks: Dict[str, List[Callable[..., Any]]] = {}
        self.farm_menu: List[Any] = []
        self.farm_popup_menu: List[Any] = []
        self.main_window: Any = None
        self.dialogs: List[Dict[str, Any]] = []
        self.answers: List[str] = []
        self.saves = 0
        self.new_scene()

    # -- scene ---------------------------------------------------------------------------
    def new_scene(self) -> None:
        self.project_file = ""
        self.dirty = False
        self.renderer = "prman"
        self.nodes: Dict[str, Node] = {}
        root = self.add_node("rootNode", "Group")
        params = root.getParameters()
        for name, value in (("inTime", 1.0), ("outTime", 10.0), ("workingInTime", 1.0),
                            ("workingOutTime", 10.0), ("currentTime", 1.0)):
            params.add(name, "number", value)
        params.add("katanaSceneName", "string", "")
        self.dirty = False

    def add_node(self, name: str, type: str, parent: Optional[str] = None) -> Node:
        if name in self.nodes:
            raise ValueError(f"node {name} exists")
        node = Node(name, type, parent if parent is not None else ("rootNode" if self.nodes else None))
        self.nodes[name] = node
        self.dirty = True
        return node

    def add_shading_node(self, name: str, type: str, shader: str, params: Dict[str, Any],
                         parent: Optional[str] = None) -> Node:
        """A renderer's shading node (``ArnoldShadingNode``, ``PrmanShadingNode``, ``DlShadingNode``,
        ``RedshiftShadingNode``) as Katana builds it from the shader's .args: top-level ``name`` and
        ``nodeType`` (the shader, e.g. ``PxrTexture``, ``image``), and each shader parameter as a group
        ``parameters.<p>`` holding ``enable`` and ``value`` (3rd-party scripts read
        ``parameters.<p>.value`` after checking ``nodeType``; see tests/fakes/README.md). **No hint
        strings**: whether .args widget hints reach ``getHintString()`` is unconfirmed, so the fake
        gives the worst case — a plugin must find textures by name."""
        node = self.add_node(name, type, parent)
        node.getParameters().add("name", "string", name)
        node.getParameters().add("nodeType", "string", shader)
        group = node.getParameters().add("parameters", "group")
        for pname, value in params.items():
            entry = group.add(pname, "group")
            entry.add("enable", "number", 1.0)
            entry.add("value", "number" if isinstance(value, (int, float)) else "string", value)
        return node

    def root_value(self, name: str) -> Any:
        param = self.nodes["rootNode"].getParameter(name)
        return None if param is None else param.getValue(0)

    def set_range(self, start: float, end: float) -> None:
        root = self.nodes["rootNode"]
        for name, value in (("inTime", start), ("outTime", end)):
            param = root.getParameter(name)
            assert param is not None
            param.setValue(float(value), 0)

    def to_json(self) -> Dict[str, Any]:
        return {"format": SCENE_FORMAT, "renderer": self.renderer,
                "nodes": [n.to_json() for n in self.nodes.values()]}

    def save(self, path: str) -> None:
        tmp = path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(self.to_json(), fh, indent=1)
        os.replace(tmp, path)
        self.project_file = os.path.abspath(path)
        self.dirty = False
        self.saves += 1
        self.log(f"save {self.project_file}")

    def load(self, path: str) -> None:
        try:
            with open(path, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as err:
            raise RuntimeError(f"cannot load {path}: {err}") from None
        if not isinstance(data, dict) or data.get("format") != SCENE_FORMAT:
            raise RuntimeError(f"{path} is not a Katana project (fake format)")
        self.nodes = {}
        for spec in data["nodes"]:
            node = Node(spec["name"], spec["type"], spec.get("parent"))
            self.nodes[node.getName()] = node
            _params_from_json(node.getParameters(), spec.get("params", []))
        self.renderer = data.get("renderer", "")
        self.project_file = os.path.abspath(path)
        self.dirty = False
        self.log(f"load {self.project_file}")

    # -- callbacks, UI -----------------------------------------------------------------------
    def fire(self, type: str, **kwargs: Any) -> int:
        """Run the callbacks registered for ``type`` the way Katana does: keyword arguments only."""
        fns = list(self.callbacks.get(type, []))
        for fn in fns:
            fn(objectHash=id(fn), **kwargs)
        return len(fns)

    def log(self, line: str) -> None:
        path = os.environ.get("RFSYNC_FAKE_KATANA_LOG")
        if path:
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(line + "\n")


STATE = State()
