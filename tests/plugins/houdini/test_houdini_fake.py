"""The fake ``hou`` stays faithful: every public function and method it offers exists in the real API
(types-houdini stubs) with the same parameter names in the same order, and behaves as hosts.md says."""

from __future__ import annotations

import ast
import inspect
import sysconfig
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Tuple

import pytest
from fakes.houdini import drop_fake_hou, use_fake_hou

STUBS = Path(sysconfig.get_paths()["purelib"]) / "hou-stubs" / "__init__.pyi"
NOT_IN_NEWER_STUBS = {"expandString", "expandStringAtFrame"}
"""Top-level ``hou.expandString(AtFrame)``: the pre-``hou.text`` API of older Houdini (the plugin's fallback)."""
FAKE_ONLY = {"STATE", "BUILTIN_TYPES", "HIP_FORMAT", "Value"}
STUB_CLASS = {"Node": "OpNode"}
"""The fake's Node is an operator node: ``parm()``, ``hdaModule()``… live on ``hou.OpNode`` (a ``hou.Node``)."""


@pytest.fixture
def hou() -> Iterator[Any]:
    use_fake_hou(ui=False)
    import hou as fake_hou  # type: ignore[import-not-found]

    yield fake_hou
    drop_fake_hou()


def _params(node: ast.FunctionDef) -> List[str]:
    names = [a.arg for a in node.args.posonlyargs + node.args.args + node.args.kwonlyargs]
    return [n for n in names if n != "self"]


def stub_api() -> Tuple[Dict[str, List[str]], Dict[str, Tuple[List[str], Dict[str, List[str]]]]]:
    """(top-level function → params, class → (base names, method → params)) from the stubs."""
    if not STUBS.is_file():
        pytest.skip("types-houdini is not installed")
    tree = ast.parse(STUBS.read_text(encoding="utf-8"))
    functions: Dict[str, List[str]] = {}
    classes: Dict[str, Tuple[List[str], Dict[str, List[str]]]] = {}
    for item in tree.body:
        if isinstance(item, ast.FunctionDef):
            functions[item.name] = _params(item)
        elif isinstance(item, ast.ClassDef):
            methods = {m.name: _params(m) for m in item.body if isinstance(m, ast.FunctionDef)}
            attrs = {t.id for m in item.body if isinstance(m, ast.AnnAssign) for t in [m.target]
                     if isinstance(t, ast.Name)}
            methods.update({a: [] for a in attrs})
            classes[item.name] = ([b.id for b in item.bases if isinstance(b, ast.Name)], methods)
    return functions, classes


def stub_method(classes: Dict[str, Tuple[List[str], Dict[str, List[str]]]], cls: str,
                name: str) -> Optional[List[str]]:
    todo = [cls]
    while todo:
        current = todo.pop(0)
        if current not in classes:
            continue
        bases, methods = classes[current]
        if name in methods:
            return methods[name]
        todo += bases
    return None


def fake_params(obj: Any) -> List[str]:
    return [n for n in inspect.signature(obj).parameters if n != "self"]


def test_every_fake_function_and_method_matches_the_real_signature(hou: Any) -> None:
    functions, classes = stub_api()
    problems = []
    checked = 0
    for name, obj in vars(hou).items():
        if name.startswith("_") or name in FAKE_ONLY or inspect.ismodule(obj) or getattr(
                obj, "__module__", hou.__name__) != hou.__name__:
            continue
        if inspect.isfunction(obj):
            if name in NOT_IN_NEWER_STUBS:
                continue
            if name not in functions:
                problems.append(f"hou.{name} does not exist")
            elif fake_params(obj) != functions[name][:len(fake_params(obj))]:
                problems.append(f"hou.{name}{fake_params(obj)} != real {functions[name]}")
            checked += 1
        elif inspect.isclass(obj):
            stub_name = STUB_CLASS.get(name, name)
            if name not in classes or stub_name not in classes:
                problems.append(f"hou.{name} (class) does not exist")
                continue
            for method, member in vars(obj).items():
                if method.startswith("_"):
                    continue
                real = stub_method(classes, stub_name, method)
                if real is None:
                    problems.append(f"hou.{name}.{method} does not exist")
                    continue
                if callable(member) or isinstance(member, staticmethod):
                    fn = member.__func__ if isinstance(member, staticmethod) else member
                    mine = fake_params(fn)
                    if mine != real[:len(mine)]:
                        problems.append(f"hou.{name}.{method}{mine} != real {real}")
                checked += 1
    assert not problems, "\n".join(problems)
    assert checked > 60  # the comparison really ran over the fake's API


def test_file_references_shape_and_hip_variable(tmp_path: Path, hou: Any) -> None:
    geo = hou.node("/obj").createNode("geo")
    sop = geo.createNode("file")
    hou.hipFile.save(str(tmp_path / "a.hip"))
    sop.parm("file").set(f"{tmp_path}/geo/a.bgeo")
    refs = hou.fileReferences()
    assert refs == ((sop.parm("file"), "$HIP/geo/a.bgeo"),)
    assert sop.parm("file").unexpandedString() == f"{tmp_path}/geo/a.bgeo"


def test_variables_frames_and_expressions(tmp_path: Path, hou: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HIP", "/not/the/hip")  # Houdini's own variables win over the environment
    hou.hipFile.save(str(tmp_path / "shot.hip"))
    hou.setFrame(7)
    assert hou.text.expandString("$HIP/$HIPNAME.$F4.`padzero(3, $F+1)`") == f"{tmp_path}/shot.0007.008"
    assert hou.text.expandStringAtFrame("${F}", 12) == "12"
    assert hou.expandString("$NOT_SET_ANYWHERE") == "$NOT_SET_ANYWHERE"
    sop = hou.node("/obj").createNode("geo").createNode("file", "rock")
    sop.parm("file").set("$OS.$F.bgeo")
    assert sop.parm("file").evalAsString() == "rock.7.bgeo" and sop.parm("file").evalAsStringAtFrame(2) == "rock.2.bgeo"
    with pytest.raises(hou.OperationFailed):
        hou.text.expandString("`nope(`")


def test_hip_file_load_save_and_warnings(tmp_path: Path, hou: Any) -> None:
    assert hou.hipFile.isNewFile() and hou.hipFile.basename() == "untitled.hip"
    with pytest.raises(hou.OperationFailed):
        hou.hipFile.load(str(tmp_path / "none.hip"))
    hou.node("/out").createNode("karma", "k")
    hou.STATE.load_warnings = ["old parameter"]
    hou.hipFile.save(str(tmp_path / "w.hip"))
    hou.hipFile.clear()
    assert hou.node("/out/k") is None
    with pytest.raises(hou.LoadWarning, match="old parameter"):
        hou.hipFile.load(str(tmp_path / "w.hip"))
    assert hou.node("/out/k") is not None and hou.hipFile.path() == f"{tmp_path}/w.hip"  # loaded anyway
    hou.hipFile.load(str(tmp_path / "w.hip"), ignore_load_warnings=True)


def test_no_ui_in_hython(hou: Any) -> None:
    assert hou.isUIAvailable() is False
    with pytest.raises(hou.NotAvailable):
        hou.ui.displayMessage("x")
    with pytest.raises(hou.NotAvailable):
        hou.qt.mainWindow()
    with pytest.raises(ImportError):
        import hdefereval  # type: ignore[import-not-found]  # noqa: F401
    with pytest.raises(SystemExit) as stop:
        hou.exit(3)
    assert stop.value.code == 3
    assert hou.applicationVersion() == (20, 5, 410) and hou.applicationVersionString() == "20.5.410"
    with pytest.raises(hou.OperationFailed):
        hou.node("/out").createNode("no_such_type")


def test_text_expansion_has_no_node_context_but_a_parm_has_its_own(tmp_path: Path, hou: Any) -> None:
    """hosts.md "Learned since": ``hou.text.expandStringAtFrame`` resolves ``chs()`` against ``hou.pwd()``;
    ``Parm.evalAsStringAtFrame`` in the parm's own node. ``$T`` is seconds, frame 1 = 0."""
    hou.hipFile.save(str(tmp_path / "shot.hip"))
    cache = hou.node("/obj").createNode("geo", "g").createNode("filecache", "fc")
    raw = cache.parm("file").unexpandedString()
    assert cache.parm("file").evalAsStringAtFrame(3) == f"{tmp_path}/geo/fc.0003.bgeo.sc"
    with pytest.raises(hou.OperationFailed):
        hou.text.expandStringAtFrame(raw, 3)
    assert hou.text.expandStringAtFrame("`$T*24+1`", 25) == "25"
