"""A faithful fake of Houdini's ``hou`` module for rfsync's tests (Houdini cannot be installed here).

Only what the rfsync plugin uses, with the real signatures and return types
(types-houdini stubs, /work/shared/hosts.md "Fakes checklist"):

- ``fileReferences(project_dir_variable="HIP", include_all_refs=True)`` → tuple of
  ``(Parm or None, str)``; a path under the variable's folder comes back as ``$HIP/…``.
- ``hipFile``: ``path()`` of an untitled scene is ``<cwd>/untitled.hip`` and ``isNewFile()``
  is True; ``load()`` raises ``LoadWarning`` *after* loading when the file has load warnings,
  ``OperationFailed`` when it cannot be read. A hip file is a JSON document (the fake's format).
- ``$HIP``/``$JOB``/``$F``… are Houdini variables, **not** environment variables: only
  ``hou.text.expandString``/``Parm.eval*`` expand them (``$OS`` only in a parameter).
- ``hou.ui``/``hou.qt`` raise ``NotAvailable`` without a UI (hython); ``exit`` raises SystemExit.
- ``hou.hda.installFile`` reads an *expanded* HDA folder for real (Sections.list, DialogScript,
  PythonModule); ``Parm.pressButton()`` runs a button's ``script_callback`` with ``kwargs``.

State lives in :data:`STATE`; ``STATE.reset(ui=…)`` starts a fresh, untitled session.
"""

from __future__ import annotations

import json
import os
import re
import threading
import types
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

HIP_FORMAT = "fake-hip/1"
Value = Union[str, int, float]

# -- errors and enums ------------------------------------------------------------------------------


class Error(Exception):
    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self._message = message

    def instanceMessage(self) -> str:
        return self._message


class OperationFailed(Error):
    pass


class LoadWarning(Error):
    pass


class NotAvailable(Error):
    pass


class InvalidInput(Error):
    pass


class EnumValue:
    def __init__(self, owner: str, name: str) -> None:
        self._owner, self._name = owner, name

    def name(self) -> str:
        return self._name

    def __repr__(self) -> str:
        return f"hou.{self._owner}.{self._name}"


class severityType:
    Message = EnumValue("severityType", "Message")
    ImportantMessage = EnumValue("severityType", "ImportantMessage")
    Warning = EnumValue("severityType", "Warning")
    Error = EnumValue("severityType", "Error")
    Fatal = EnumValue("severityType", "Fatal")


# -- node types ---------------------------------------------------------------------------------------

# (category, type) → [(parm name, kind, default, is a file reference)]
_ROP_BASE: List[Tuple[str, str, Value, bool]] = [
    ("execute", "button", 0, False), ("renderdialog", "button", 0, False), ("trange", "int", 0, False),
    ("f1", "float", "$FSTART", False), ("f2", "float", "$FEND", False), ("f3", "float", 1.0, False),
    ("take", "string", "_current_", False),
]
BUILTIN_TYPES: Dict[Tuple[str, str], List[Tuple[str, str, Value, bool]]] = {
    ("Object", "geo"): [],
    ("Driver", "karma"): [*_ROP_BASE, ("picture", "string", "$HIP/render/$HIPNAME.$OS.$F4.exr", True)],
    ("Driver", "ifd"): [*_ROP_BASE, ("vm_picture", "string", "$HIP/render/$HIPNAME.$OS.$F4.exr", True)],
    ("Driver", "merge"): _ROP_BASE,
    ("Sop", "file"): [("file", "string", "", True)],
    ("Sop", "alembic"): [("fileName", "string", "", True)],
    # File Cache SOP (simplified; its real default expression is unconfirmed): the file name is built from
    # the node's own non-file parms with chs(), so it only evaluates in the node's context.
    ("Sop", "filecache"): [("basedir", "string", "$HIP/geo", False), ("basename", "string", "$OS", False),
                           ("file", "string", '`chs("basedir")`/`chs("basename")`.$F4.bgeo.sc', True)],
    ("Sop", "rop_geometry"): [("sopoutput", "string", "$HIP/geo/$HIPNAME.$OS.$F4.bgeo.sc", True)],
    ("Vop", "mtlximage"): [("file", "string", "", True)],
    ("Lop", "sublayer"): [("filepath1", "string", "", True)],
}
_CHILD_CATEGORY = {"/obj": "Object", "/out": "Driver", "/mat": "Vop", "/stage": "Lop"}
_MANAGERS = ("/obj", "/out", "/mat", "/stage")


class NodeTypeCategory:
    def __init__(self, name: str) -> None:
        self._name = name

    def name(self) -> str:
        return self._name


class NodeType:
    def __init__(self, category: str, name: str) -> None:
        self._category, self._name = category, name

    def name(self) -> str:
        return self._name

    def nameWithCategory(self) -> str:
        return f"{self._category}/{self._name}"

    def category(self) -> NodeTypeCategory:
        return NodeTypeCategory(self._category)


class Parm:
    def __init__(self, node: Node, name: str, kind: str, value: Value, is_file: bool = False,
                 callback: Optional[str] = None) -> None:
        self._node, self._name, self._kind, self._value = node, name, kind, value
        self._is_file, self._callback = is_file, callback

    def __repr__(self) -> str:
        return f"<hou.Parm {self._name} in {self._node.path()}>"

    def name(self) -> str:
        return self._name

    def node(self) -> Node:
        return self._node

    def path(self) -> str:
        return f"{self._node.path()}/{self._name}"

    def _at(self, frame: float) -> Value:
        if isinstance(self._value, str) and self._kind == "string":
            return _expand(self._value, frame, node=self._node)
        if isinstance(self._value, str):  # a numeric parm holding an expression such as $FSTART
            text = _expand(self._value, frame, node=self._node)
            try:
                return float(text) if self._kind == "float" else int(float(text))
            except ValueError:
                raise OperationFailed(f"{self.path()}: cannot evaluate {self._value!r}") from None
        return float(self._value) if self._kind == "float" else int(self._value)

    def eval(self) -> Value:
        return self._at(STATE.frame)

    def evalAtFrame(self, frame: float) -> Value:
        return self._at(frame)

    def evalAsString(self) -> str:
        return str(self.eval())

    def evalAsStringAtFrame(self, frame: float) -> str:
        return str(self._at(frame))

    def evalAsInt(self) -> int:
        return int(float(self.eval()))

    def evalAsFloat(self) -> float:
        return float(self.eval())

    def unexpandedString(self) -> str:
        if self._kind != "string":
            raise OperationFailed(f"{self.path()} is not a string parameter")
        return str(self._value)

    def rawValue(self) -> str:
        return str(self._value)

    def set(self, value: Value, language: Any = None, follow_parm_reference: bool = True) -> None:
        if self._kind == "button":
            raise OperationFailed(f"{self.path()}: a button has no value")
        self._value = value
        STATE.modified = True

    def pressButton(self, arguments: Optional[Dict[str, Any]] = None) -> None:
        """Run the parameter's callback as Houdini does: ``kwargs`` with node, parm, script_value…"""
        if self._callback is None:
            return
        kwargs: Dict[str, Any] = {"node": self._node, "parm": self, "script_value": "0",
                                  "script_parm": self._name, "parm_name": self._name, "script_multiparm_index": "-1"}
        kwargs.update(arguments or {})
        previous = STATE.current_node
        STATE.current_node = self._node
        try:
            exec(self._callback, {"hou": _module(), "kwargs": kwargs})
        finally:
            STATE.current_node = previous


class ParmTuple:
    def __init__(self, name: str, parms: Sequence[Parm]) -> None:
        self._name, self._parms = name, list(parms)

    def name(self) -> str:
        return self._name

    def node(self) -> Node:
        return self._parms[0].node()

    def eval(self) -> Tuple[Value, ...]:
        return tuple(p.eval() for p in self._parms)

    def __len__(self) -> int:
        return len(self._parms)

    def __getitem__(self, index: int) -> Parm:
        return self._parms[index]


class Node:
    def __init__(self, path: str, category: str, type_name: str) -> None:
        self._path, self._type = path, NodeType(category, type_name)
        self._parms: Dict[str, Parm] = {}
        self._inputs: List[Optional[str]] = []

    def __repr__(self) -> str:
        return f"<hou.Node {self._path} of type {self._type.name()}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Node) and other._path == self._path

    def __hash__(self) -> int:
        return hash(self._path)

    def path(self) -> str:
        return self._path

    def name(self) -> str:
        return self._path.rsplit("/", 1)[-1]

    def type(self) -> NodeType:
        return self._type

    def parm(self, parm_path: str) -> Optional[Parm]:
        return self._parms.get(parm_path)

    def parms(self) -> Tuple[Parm, ...]:
        return tuple(self._parms.values())

    def parmTuple(self, parm_path: str) -> Optional[ParmTuple]:
        names = [f"{parm_path}{i}" for i in (1, 2, 3)]
        if all(n in self._parms for n in names):
            return ParmTuple(parm_path, [self._parms[n] for n in names])
        return None

    def inputs(self) -> Tuple[Optional[Node], ...]:
        return tuple(STATE.nodes.get(p) if p else None for p in self._inputs)

    def setInput(self, input_index: int, item_to_become_input: Optional[Node], output_index: int = 0) -> None:
        while len(self._inputs) <= input_index:
            self._inputs.append(None)
        self._inputs[input_index] = item_to_become_input.path() if item_to_become_input is not None else None
        STATE.modified = True

    def inputAncestors(self, include_ref_inputs: bool = True, follow_subnets: bool = False,
                       only_used_inputs: bool = False) -> Tuple[Node, ...]:
        out: List[Node] = []
        todo = [n for n in self.inputs() if n is not None]
        while todo:
            node = todo.pop(0)
            if node not in out:
                out.append(node)
                todo += [n for n in node.inputs() if n is not None]
        return tuple(out)

    def children(self) -> Tuple[Node, ...]:
        prefix = self._path.rstrip("/") + "/"
        return tuple(n for p, n in sorted(STATE.nodes.items())
                     if p.startswith(prefix) and "/" not in p[len(prefix):])

    def node(self, node_path: str) -> Optional[Node]:
        path = node_path if node_path.startswith("/") else os.path.normpath(f"{self._path}/{node_path}")
        return STATE.nodes.get(path.replace("\\", "/"))

    def createNode(self, node_type_name: str, node_name: Optional[str] = None, run_init_scripts: bool = True,
                   load_contents: bool = True, exact_type_name: bool = False,
                   force_valid_node_name: bool = False) -> Node:
        category = _CHILD_CATEGORY.get(self._path)
        if category is None and self._type.category().name() == "Object":
            category = "Sop"
        if category is None:
            raise OperationFailed(f"{self._path} cannot contain nodes")
        name = node_name or _unique_name(self._path, node_type_name)
        path = f"{self._path.rstrip('/')}/{name}"
        if path in STATE.nodes:
            raise OperationFailed(f"Node name {name} is already in use")
        node = _make_node(path, category, node_type_name)
        STATE.nodes[path] = node
        STATE.modified = True
        return node

    def destroy(self, disable_safety_checks: bool = False) -> None:
        for path in [p for p in STATE.nodes if p == self._path or p.startswith(self._path + "/")]:
            del STATE.nodes[path]
        STATE.modified = True

    def isSelected(self) -> bool:
        return self._path in STATE.selected

    def setSelected(self, on: bool, clear_all_selected: bool = False, show_asset_if_selected: bool = False) -> None:
        if clear_all_selected:
            STATE.selected.clear()
        if on and self._path not in STATE.selected:
            STATE.selected.append(self._path)
        if not on and self._path in STATE.selected:
            STATE.selected.remove(self._path)

    def hdaModule(self) -> Any:
        definition = STATE.definitions.get((self._type.category().name(), self._type.name()))
        if definition is None:
            raise OperationFailed(f"{self._path} is not a digital asset")
        return definition.module()


def _unique_name(parent: str, type_name: str) -> str:
    n = 1
    while f"{parent.rstrip('/')}/{type_name}{n}" in STATE.nodes:
        n += 1
    return f"{type_name}{n}"


def _make_node(path: str, category: str, type_name: str) -> Node:
    node = Node(path, category, type_name)
    spec = BUILTIN_TYPES.get((category, type_name))
    definition = STATE.definitions.get((category, type_name))
    if spec is None and definition is None:
        raise OperationFailed(f"Invalid node type name: {category}/{type_name}")
    if spec is not None:
        for name, kind, default, is_file in spec:
            node._parms[name] = Parm(node, name, kind, default, is_file)
    else:
        assert definition is not None
        for pspec in definition.parms:
            for name, kind, default in _parms_of(pspec):
                node._parms[name] = Parm(node, name, kind, default, callback=pspec.callback)
    return node


def _parms_of(pspec: Any) -> List[Tuple[str, str, Value]]:
    """What one DialogScript parm creates; ROP base parms take the standard ROP definitions."""
    if pspec.baseparm:
        base = {name: (kind, default) for name, kind, default, _ in _ROP_BASE}
        if pspec.name == "f":
            return [(n, base[n][0], base[n][1]) for n in ("f1", "f2", "f3")]
        if pspec.name in base:
            return [(pspec.name, base[pspec.name][0], base[pspec.name][1])]
        return [(pspec.name, "button", 0)]
    kind = {"button": "button", "string": "string", "integer": "int", "toggle": "int", "ordinal": "int",
            "float": "float", "file": "string", "directory": "string", "label": "string"}.get(pspec.type, "string")
    raw = pspec.default[0] if pspec.default else ("" if kind == "string" else 0)
    default: Value = raw if kind == "string" else (float(raw) if kind == "float" else int(float(raw)))
    return [(pspec.name, kind, default)]


# -- expansion -------------------------------------------------------------------------------------

_VAR = re.compile(r"\$\{(?P<b>[A-Za-z_][A-Za-z0-9_]*)\}|\$(?P<n>[A-Za-z_][A-Za-z0-9_]*)")
_BACKTICK = re.compile(r"`([^`]*)`")


def _variable(name: str, frame: float, node: Optional[Node]) -> Optional[str]:
    m = re.fullmatch(r"F(\d*)", name)
    if m:
        return str(round(frame)).zfill(int(m.group(1) or "0"))
    if name == "FF":
        return repr(float(frame))
    if name == "T":  # time in seconds; frame 1 is time 0 (Houdini docs "Global expression variables")
        return repr((float(frame) - 1.0) / 24.0)
    if name == "OS" and node is not None:
        return node.name()
    hip = hipFile.path()
    values = {
        "HIP": os.path.dirname(hip), "HIPFILE": hip, "HIPNAME": os.path.splitext(os.path.basename(hip))[0],
        "FSTART": str(STATE.fstart), "FEND": str(STATE.fend), "FPS": "24", "HFS": "/opt/hfs-fake",
    }
    values.update(STATE.variables)
    if name in values:
        return values[name]
    return os.environ.get(name)


def _substitute(text: str, frame: float, node: Optional[Node]) -> str:
    def repl(m: re.Match[str]) -> str:
        value = _variable(m.group("b") or m.group("n"), frame, node)
        return m.group(0) if value is None else value

    return _VAR.sub(repl, text)


def _padzero(width: float, value: float) -> str:
    return str(int(value)).zfill(int(width))


def _channel(path: str, frame: float, node: Optional[Node]) -> Value:
    """``ch()``/``chs()``: a parm path relative to the evaluating node, or to ``hou.pwd()`` when the string
    has no node (``hou.text.expandString*``: hosts.md "Learned since", Houdini frame-dependent references)."""
    base = node if node is not None else pwd()
    folder, _, name = path.rpartition("/")
    owner = base.node(folder) if folder else base
    parm = owner.parm(name) if owner is not None else None
    if parm is None:
        raise OperationFailed(f"Invalid channel reference {path!r} from {base.path()}")
    return parm.evalAtFrame(frame)


def _expression(source: str, frame: float, node: Optional[Node]) -> str:
    """The hscript subset tests use in backticks: arithmetic on variables, padzero(w, v), ch(), chs()."""
    code = _substitute(source, frame, node)
    funcs = {"padzero": _padzero, "ch": lambda p: float(_channel(p, frame, node)),
             "chs": lambda p: str(_channel(p, frame, node))}
    try:
        value = eval(code, {"__builtins__": {}}, funcs)  # test-only fake
    except Exception as err:
        raise OperationFailed(f"cannot evaluate expression `{source}`: {err}") from None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _expand(text: str, frame: float, expand_tilde: bool = True, node: Optional[Node] = None) -> str:
    if text is None:
        raise OperationFailed("cannot expand None")
    out = _BACKTICK.sub(lambda m: _expression(m.group(1), frame, node), text)
    out = _substitute(out, frame, node)
    if expand_tilde and out.startswith("~"):
        out = os.path.expanduser(out)
    return out


def expandString(str: str) -> str:
    """The pre-``hou.text`` API (still in Houdini 19.5/20.x)."""
    return _expand(str, STATE.frame)


def expandStringAtFrame(str: str, frame_number: float) -> str:
    return _expand(str, frame_number)


class text:
    @staticmethod
    def expandString(str: str, expand_tilde: bool = True) -> str:
        return _expand(str, STATE.frame, expand_tilde)

    @staticmethod
    def expandStringAtFrame(str: str, frame: float, expand_tilde: bool = True) -> str:
        return _expand(str, frame, expand_tilde)


# -- the scene -----------------------------------------------------------------------------------------


def fileReferences(project_dir_variable: str = "HIP",
                   include_all_refs: bool = True) -> Tuple[Tuple[Optional[Parm], str], ...]:
    """Every non-empty file parameter as (parm, string); a path under the variable's folder uses the variable."""
    prefix = _variable(project_dir_variable, STATE.frame, None) if project_dir_variable else None
    out: List[Tuple[Optional[Parm], str]] = []
    for path in sorted(STATE.nodes):
        for parm in STATE.nodes[path]._parms.values():
            value = parm._value
            if not parm._is_file or not isinstance(value, str) or not value:
                continue
            if prefix and value.startswith(prefix.rstrip("/") + "/"):
                value = f"${project_dir_variable}" + value[len(prefix.rstrip("/")):]
            out.append((parm, value))
    out += [(None, ref) for ref in STATE.unowned_refs]
    return tuple(out)


def node(path: str) -> Optional[Node]:
    return STATE.nodes.get(path.rstrip("/") or "/")


def selectedNodes(include_hidden: bool = False) -> Tuple[Node, ...]:
    return tuple(STATE.nodes[p] for p in STATE.selected if p in STATE.nodes)


def pwd() -> Node:
    if STATE.current_node is None:
        return STATE.nodes["/"]
    return STATE.current_node


def phm() -> Any:
    return pwd().hdaModule()


def frame(full_precision: bool = False) -> float:
    return float(STATE.frame)


def setFrame(frame: float) -> None:
    STATE.frame = float(frame)


def isUIAvailable() -> bool:
    return STATE.ui


def applicationVersion(include_patch: bool = False) -> Tuple[int, ...]:
    return STATE.version + ((0,) if include_patch else ())


def applicationVersionString() -> str:
    return ".".join(str(v) for v in STATE.version)


def exit(exit_code: int = 0, suppress_save_prompt: bool = False) -> None:
    STATE.exit_code = exit_code
    raise SystemExit(exit_code)


class hipFile:
    @staticmethod
    def path() -> str:
        return STATE.hip_path or os.path.join(os.getcwd(), "untitled.hip").replace("\\", "/")

    @staticmethod
    def name() -> str:
        return hipFile.path()

    @staticmethod
    def basename() -> str:
        return os.path.basename(hipFile.path())

    @staticmethod
    def isNewFile() -> bool:
        return STATE.hip_path is None

    @staticmethod
    def hasUnsavedChanges() -> bool:
        return STATE.modified

    @staticmethod
    def save(file_name: Optional[str] = None, save_to_recent_files: bool = True) -> None:
        target = file_name or STATE.hip_path or hipFile.path()
        try:
            with open(target, "w", encoding="utf-8") as fh:
                json.dump(STATE.to_json(), fh, indent=1)
        except OSError as err:
            raise OperationFailed(f"cannot save {target}: {err}") from None
        STATE.hip_path = os.path.abspath(target).replace("\\", "/")
        STATE.modified = False
        STATE.saves += 1

    @staticmethod
    def load(file_name: str, suppress_save_prompt: bool = False, ignore_load_warnings: bool = False) -> None:
        try:
            with open(file_name, encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError) as err:
            raise OperationFailed(f"Unable to load {file_name}: {err}") from None
        if not isinstance(data, dict) or data.get("format") != HIP_FORMAT:
            raise OperationFailed(f"Unable to load {file_name}: not a hip file")
        STATE.from_json(data)
        STATE.hip_path = os.path.abspath(file_name).replace("\\", "/")
        STATE.modified = False
        STATE.log(f"load {file_name}")
        if data.get("load_warnings") and not ignore_load_warnings:
            raise LoadWarning("\n".join(data["load_warnings"]))

    @staticmethod
    def clear(suppress_save_prompt: bool = False) -> bool:
        STATE.new_scene()
        return True


# -- UI ----------------------------------------------------------------------------------------------


def _require_ui(what: str) -> None:
    if not STATE.ui:
        raise NotAvailable(f"{what} is not available: Houdini has no graphical user interface (hython)")


class ui:
    @staticmethod
    def displayMessage(text: str, buttons: Sequence[str] = ("OK",), severity: EnumValue = severityType.Message,
                       default_choice: int = 0, close_choice: int = -1, help: Optional[str] = None,
                       title: Optional[str] = None, details: Optional[str] = None,
                       details_label: Optional[str] = None, details_expanded: bool = False,
                       suppress: Any = None) -> int:
        _require_ui("hou.ui.displayMessage")
        if isinstance(buttons, str) or not all(isinstance(b, str) for b in buttons):
            raise TypeError("buttons must be a sequence of strings")
        answer: Union[int, str] = STATE.answers.pop(0) if STATE.answers else default_choice
        index = list(buttons).index(answer) if isinstance(answer, str) else answer
        STATE.messages.append({"text": text, "buttons": tuple(buttons), "severity": severity, "title": title,
                               "details": details, "answer": index})
        return index

    @staticmethod
    def setStatusMessage(message: str, severity: EnumValue = severityType.Message) -> None:
        _require_ui("hou.ui.setStatusMessage")
        STATE.status.append((message, severity))
        STATE.status_threads.append(threading.current_thread().name)


class qt:
    @staticmethod
    def mainWindow() -> Any:
        _require_ui("hou.qt.mainWindow")
        return STATE.main_window


class hda:
    @staticmethod
    def installFile(file_path: str, oplibraries_file: Optional[str] = None, change_oplibraries_file: bool = True,
                    force_use_assets: bool = False) -> None:
        _install(STATE, file_path)

    @staticmethod
    def loadedFiles() -> Tuple[str, ...]:
        return tuple(STATE.hda_files)


def _install(state: _State, file_path: str) -> None:
    from houdini.hdatext import read_expanded_hda  # type: ignore[import-not-found]

    if not os.path.exists(file_path):
        raise OperationFailed(f"The file {file_path} does not exist")
    try:
        types_ = read_expanded_hda(file_path)
    except ValueError as err:
        raise OperationFailed(str(err)) from None
    for hda_type in types_:
        state.definitions[(hda_type.category, hda_type.name)] = _Definition(hda_type, file_path)
    path = os.path.abspath(file_path).replace("\\", "/")
    if path not in state.hda_files:
        state.hda_files.append(path)


class _Definition:
    """An installed HDA type; its PythonModule runs on first use, as Houdini does."""

    def __init__(self, hda_type: Any, library: str) -> None:
        self.parms = hda_type.dialog["parms"]
        self.source = hda_type.python_module
        self.library = library
        self.name = hda_type.name
        self._module: Optional[types.ModuleType] = None

    def module(self) -> types.ModuleType:
        if self._module is None:
            module = types.ModuleType(f"hou.hdaModule.{self.name}")
            module.__dict__["hou"] = _module()
            exec(compile(self.source, f"opdef:/{self.name}?PythonModule", "exec"), module.__dict__)
            self._module = module
        return self._module


def _module() -> types.ModuleType:
    import sys

    return sys.modules[__name__]


# -- state -----------------------------------------------------------------------------------------------


class _State:
    def __init__(self) -> None:
        self.definitions: Dict[Tuple[str, str], _Definition] = {}
        self.hda_files: List[str] = []
        self.reset(ui=os.environ.get("RFSYNC_FAKE_HOU_UI") == "1")

    def reset(self, ui: bool = False, version: Tuple[int, int, int] = (20, 5, 410)) -> None:
        self.ui = ui
        self.version: Tuple[int, ...] = version
        self.messages: List[Dict[str, Any]] = []
        self.answers: List[Union[int, str]] = []
        self.status: List[Tuple[str, EnumValue]] = []
        self.status_threads: List[str] = []
        """The thread of each ``setStatusMessage`` call (hou's UI calls belong to the main thread)."""
        self.deferred: List[Callable[[], Any]] = []
        self.main_window: Any = None
        self.exit_code: Optional[int] = None
        self.saves = 0
        self.current_node: Optional[Node] = None
        self.definitions.clear()
        self.hda_files.clear()
        self.new_scene()
        for entry in os.environ.get("HOUDINI_PATH", "").split(os.pathsep):
            otls = os.path.join(entry, "otls")
            if entry and entry != "&" and os.path.isdir(otls):
                for name in sorted(os.listdir(otls)):
                    if name.endswith((".hda", ".otl")):
                        _install(self, os.path.join(otls, name))

    def new_scene(self) -> None:
        self.hip_path: Optional[str] = None
        self.modified = False
        self.frame = 1.0
        self.fstart, self.fend = 1, 240
        self.variables: Dict[str, str] = {}
        self.unowned_refs: List[str] = []
        self.load_warnings: List[str] = []
        self.selected: List[str] = []
        self.nodes: Dict[str, Node] = {"/": Node("/", "Manager", "root")}
        for path in _MANAGERS:
            self.nodes[path] = Node(path, "Manager", path.strip("/"))

    def to_json(self) -> Dict[str, Any]:
        nodes = []
        for path, item in sorted(self.nodes.items()):
            if path == "/" or path in _MANAGERS:
                continue
            nodes.append({"path": path, "category": item._type.category().name(), "type": item._type.name(),
                          "parms": {n: p._value for n, p in item._parms.items()}, "inputs": item._inputs})
        return {"format": HIP_FORMAT, "frame": self.frame, "fstart": self.fstart, "fend": self.fend,
                "variables": self.variables, "unowned_refs": self.unowned_refs, "nodes": nodes,
                "load_warnings": self.load_warnings}

    def from_json(self, data: Dict[str, Any]) -> None:
        self.new_scene()
        self.frame = float(data.get("frame", 1.0))
        self.fstart, self.fend = int(data.get("fstart", 1)), int(data.get("fend", 240))
        self.variables = dict(data.get("variables", {}))
        self.unowned_refs = list(data.get("unowned_refs", []))
        for item in data["nodes"]:
            created = _make_node(item["path"], item["category"], item["type"])
            for name, value in item["parms"].items():
                if name in created._parms:
                    created._parms[name]._value = value
            created._inputs = list(item.get("inputs", []))
            self.nodes[item["path"]] = created

    def run_deferred(self) -> int:
        n = 0
        while self.deferred:
            self.deferred.pop(0)()
            n += 1
        return n

    def log(self, line: str) -> None:
        path = os.environ.get("RFSYNC_FAKE_HOU_LOG")
        if path:
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(line + "\n")


STATE = _State()
