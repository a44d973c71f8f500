"""Katana plugin without UI: the fake Katana modules, asset collection, the host contract, Qt binding
choice and sys.path set-up — plugin code against the fakes and real files on disk."""

from __future__ import annotations

import importlib
import os
import py_compile
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
from fakes import FAKES_DIR, REPO

KATANA_RESOURCES = REPO / "plugins" / "katana" / "resources"
KATANA_PYTHON = KATANA_RESOURCES / "Python"


@pytest.fixture
def katana(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.syspath_prepend(str(KATANA_PYTHON))
    monkeypatch.syspath_prepend(str(FAKES_DIR))
    from Katana._state import STATE

    STATE.reset(ui=False)
    yield STATE
    STATE.reset(ui=False)


def relative(paths: Any, root: Path) -> list:
    return sorted(os.path.relpath(p, root).replace(os.sep, "/") for p in paths)


def test_fake_modules_import_like_katana(katana: Any) -> None:
    import Katana
    import KatanaInfo
    import NodegraphAPI
    import UI4
    from Katana import UI4 as U
    from Katana import Callbacks, Configuration, FarmAPI, KatanaFile
    from Katana import NodegraphAPI as NG

    assert NG is NodegraphAPI and U is UI4 and Katana.NodegraphAPI is NodegraphAPI
    assert {Callbacks.Type.onStartup, Callbacks.Type.onStartupComplete, Callbacks.Type.onSceneLoad}
    assert Configuration.get("KATANA_UI_MODE") is None  # script mode
    assert UI4.App.MainWindow.GetMainWindow() is None and UI4.App.Tabs.FindTopTab("Node Graph") is None
    assert issubclass(UI4.Tabs.BaseTab, object) and UI4.Widgets.MessageBox is not None
    assert KatanaInfo.version == katana.version
    assert callable(KatanaFile.Load) and callable(FarmAPI.AddFarmMenuOption)


def test_fake_parameters_follow_katana(tmp_path: Path, katana: Any) -> None:
    import NodegraphAPI
    from Katana._testing import build_scene

    build_scene(tmp_path)
    node = NodegraphAPI.GetNode("woodTex")
    param = node.getParameter("parameters.filename.value")
    assert param.getFullName() == "woodTex.parameters.filename.value"
    assert param.getType() == "string" and param.getHintString() == ""  # .args hints: unconfirmed, none here
    assert node.getParameter("nodeType").getValue(0) == "PxrTexture"
    assert node.getParameter("parameters.nope") is None
    with pytest.raises(TypeError):
        param.getValue()  # type: ignore[call-arg]  # the frame time is required
    assert [n.getName() for n in NodegraphAPI.GetAllNodesByType("Render")] == ["beauty"]
    assert NodegraphAPI.GetInTime() == 1.0 and NodegraphAPI.GetOutTime() == 3.0  # build_scene: the fire sequence's 1-3


def test_collect_finds_every_kind_of_asset(tmp_path: Path, katana: Any) -> None:
    from Katana._testing import EXPECTED_FOUND, build_scene
    from rfsync_katana import collect

    build_scene(tmp_path)
    result = collect.collect_scene()
    assert relative(result.found, tmp_path) == EXPECTED_FOUND
    assert result.missing == [f"{tmp_path}/tex/missing.exr"]
    assert any("chairAsset.abcAsset" in w and "asset id" in w for w in result.warnings)
    assert len(result.warnings) == 1


def test_collect_reports_unreadable_parameters_and_folders(tmp_path: Path, katana: Any,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import NodegraphAPI
    from Katana._state import Parameter
    from Katana._testing import build_scene
    from rfsync_katana import collect

    build_scene(tmp_path)
    folder_node = katana.add_node("folderRef", "PrmanShadingNode")
    folder_node.getParameters().add("texture", "string", str(tmp_path / "tex"), "{'widget': 'fileInput'}")
    real_get = Parameter.getValue

    def broken(self: Any, frameTime: float) -> Any:
        if self.getFullName() == "anim_abc.abcAsset":
            raise RuntimeError("expression error")
        return real_get(self, frameTime)

    monkeypatch.setattr(Parameter, "getValue", broken)
    result = collect.collect_scene(str(tmp_path / "shots" / "sh010.katana"))
    assert "anim_abc.abcAsset: cannot read (expression error)" in result.warnings
    assert any(w.startswith("folderRef.texture:") and "is a folder" in w for w in result.warnings)
    assert not any(p.endswith("anim.abc") for p in result.found)
    assert NodegraphAPI.GetNode("folderRef") is not None


@pytest.mark.parametrize("hints, widget", [
    ("{'widget': 'assetIdInput'}", "assetIdInput"),
    ('{"widget": "fileInput", "fileTypes": "abc"}', "fileInput"),
    ("{'widget': 'fileInput', 'conditionalVisOp': f(x)}", "fileInput"),  # not a literal: regex fallback
    ("", ""),
    ("{'help': 'no widget'}", ""),
    ("garbage", ""),
])
def test_hint_widget(katana: Any, hints: str, widget: str) -> None:
    from rfsync_katana.collect import hint_widget

    class P:
        def getHintString(self) -> str:
            return hints

    assert hint_widget(P()) == widget


def test_host_contract(tmp_path: Path, katana: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from Katana import KatanaFile
    from Katana._testing import build_scene
    from rfsync_katana.host import KatanaHost

    host = KatanaHost()
    assert host.name == "katana" and host.host_version() == katana.version
    assert host.is_batch() and host.main_window() is None
    assert host.scene_path() is None  # never saved
    assert host.show_message("T", "printed", buttons=("Go", "Stop")) == "Go"  # batch: first button
    scene = build_scene(tmp_path)
    assert host.scene_path() == str(scene)
    assert host.scene_modified() is False
    katana.add_node("newNode", "Merge")
    assert host.scene_modified() is True
    host.save_scene()
    assert katana.saves == 2 and host.scene_modified() is False
    monkeypatch.delattr(KatanaFile, "IsFileDirty")
    assert host.scene_modified() is True  # unknown: ask to save rather than render a stale file
    info = host.task_info("1732431234567042", str(scene))
    assert (info.renderer, info.frames, info.layers, info.host) == ("prman", "1-3", ["beauty"], "katana")
    katana.set_range(5, 5)
    assert host.frames() == "5"
    katana.reset(ui=True)
    assert not host.is_batch()


def test_host_without_render_node_has_no_renderer(tmp_path: Path, katana: Any) -> None:
    from rfsync_katana.host import KatanaHost

    assert KatanaHost().renderer() == ""


@pytest.mark.parametrize("version, binding", [("6.5v3", "PyQt5"), ("7.5v1", "PyQt5"), ("8.0v2", "PySide6"),
                                              ("10.0v1", "PySide6"), ("", "PyQt5")])
def test_expected_binding(katana: Any, version: str, binding: str) -> None:
    from rfsync_katana.qtbinding import expected_binding

    assert expected_binding(version) == binding


def test_binding_problem_names_the_fix(katana: Any) -> None:
    pytest.importorskip("Qt")
    import Qt
    from rfsync_katana.qtbinding import binding_problem

    if Qt.__binding__ == "PySide2":
        pytest.skip("no Katana ships PySide2")
    assert binding_problem() is None  # the fake's Katana matches the binding under test
    other, wanted = ("7.5v2", "PyQt5") if Qt.__binding__ == "PySide6" else ("8.0v2", "PySide6")
    katana.version = other
    problem = binding_problem()
    assert problem is not None and wanted in problem and f"QT_PREFERRED_BINDING={wanted}" in problem


def test_dependency_paths_repo_and_installed_layouts(tmp_path: Path, katana: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from rfsync_katana import paths

    from rfsync_core import use_host_dependencies  # what ``import rfsync_katana`` calls

    assert paths.checkout_root(str(KATANA_RESOURCES)) == str(REPO)  # a checkout: the repo root
    installed = tmp_path / "resources"
    (installed / "Python" / "rfsync_core").mkdir(parents=True)
    (installed / "Python" / "rfsync_core" / "__init__.py").write_text("")
    assert paths.checkout_root(str(installed)) is None
    deps = installed / "deps" / f"py{sys.version_info[0]}.{sys.version_info[1]}"
    deps.mkdir(parents=True)
    monkeypatch.setattr(sys, "path", list(sys.path))
    use_host_dependencies(str(installed / "Python" / "rfsync_katana" / "__init__.py"), "Katana")
    assert sys.path[-1] == str(deps)  # appended: Katana's own packages win
    use_host_dependencies(str(installed / "Python" / "rfsync_katana" / "__init__.py"), "Katana")
    assert sys.path.count(str(deps)) == 1  # once



def test_plugin_sources_compile_for_python_39() -> None:
    for path in [*KATANA_RESOURCES.rglob("*.py"), REPO / "tests" / "host" / "katana_smoke.py"]:
        py_compile.compile(str(path), doraise=True)
        text = path.read_text(encoding="utf-8")
        assert "from __future__ import annotations" in text, path


def test_batch_module_is_importable_without_ui(katana: Any) -> None:
    module = importlib.import_module("rfsync_katana.batch")
    assert module.build_parser().parse_args(["x.katana", "--submit"]).submit is True
    assert module.main(["--no-such-flag"]) == 2
