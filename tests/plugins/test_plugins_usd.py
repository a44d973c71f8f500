"""The three hosts' USD entry points, collected through the shared code on real ``.usda`` stages:
Houdini LOP file references (a Sublayer LOP), Katana ``UsdIn.fileName``, Maya ``mayaUsdProxyShape.filePath``.
Each host's collection finds the root layer; ``follow_usd`` (what every host's upload and batch run) adds
the closure."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import List

import pytest
from fakes import build_scene as build_maya_scene
from fakes import drop_fake_maya, use_fake_maya
from fakes.houdini import build_scene as build_hip
from fakes.houdini import drop_fake_hou, use_fake_hou

from rfsync_core.collect import follow_usd

needs_pxr = pytest.mark.skipif(importlib.util.find_spec("pxr") is None,
                               reason="pxr not importable: install rfsync[usd] (usd-core) to run the USD tests")


def write_stage(folder: Path) -> Path:
    """``stage.usda`` → a relative reference → a texture; plus a texture that is missing."""
    (folder / "props").mkdir(parents=True, exist_ok=True)
    (folder / "props" / "lamp.usda").write_text("#usda 1.0\ndef \"Lamp\" {\n"
                                                 "    asset inputs:file = @./lamp_diffuse.exr@\n}\n")
    (folder / "props" / "lamp_diffuse.exr").write_bytes(b"tex")
    stage = folder / "stage.usda"
    stage.write_text("#usda 1.0\ndef \"Lamp\" (references = @./props/lamp.usda@) {}\n"
                     "def Shader \"Lost\" {\n    asset inputs:file = @./tex/gone.exr@\n}\n")
    return stage


def closure(folder: Path) -> List[str]:
    return [str(folder / "props" / "lamp.usda"), str(folder / "props" / "lamp_diffuse.exr")]


@needs_pxr
def test_houdini_sublayer_lop_brings_its_stage(tmp_path: Path) -> None:
    use_fake_hou(ui=False)
    try:
        import hou  # type: ignore[import-not-found]
        from rfsync_houdini.collect import collect_scene

        build_hip(tmp_path / "proj", hou)
        stage = write_stage(tmp_path / "proj" / "usd")
        hou.node("/stage").createNode("sublayer", "layout").parm("filepath1").set("$HIP/usd/stage.usda")
        result = follow_usd(collect_scene())
    finally:
        drop_fake_hou()
    assert str(stage) in result.found and set(closure(stage.parent)) <= set(result.found)
    assert str(stage.parent / "tex" / "gone.exr") in result.missing


@needs_pxr
def test_katana_usdin_file_name_brings_its_stage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from fakes import FAKES_DIR, REPO

    monkeypatch.syspath_prepend(str(REPO / "plugins" / "katana" / "resources" / "Python"))
    monkeypatch.syspath_prepend(str(FAKES_DIR))
    try:
        from Katana._state import STATE
        from Katana._testing import build_scene
        from rfsync_katana.collect import collect_scene

        STATE.reset(ui=False)
        scene = build_scene(tmp_path / "proj")
        stage = write_stage(tmp_path / "proj" / "layout")
        node = STATE.add_node("layout_usd", "UsdIn")
        node.getParameters().add("fileName", "string", str(stage))
        result = follow_usd(collect_scene(str(scene)))
    finally:
        STATE.reset(ui=False)
    assert str(stage) in result.found and set(closure(stage.parent)) <= set(result.found)
    assert str(stage.parent / "tex" / "gone.exr") in result.missing


@needs_pxr
def test_maya_usd_proxy_shape_file_path_brings_its_stage(tmp_path: Path) -> None:
    state = use_fake_maya()
    try:
        build_maya_scene(tmp_path / "proj", state)
        stage = write_stage(tmp_path / "proj" / "usd")
        state.add_usd_proxy_shape("stageShape1", str(stage))
        from rfsync_maya.host import MayaHost

        result = follow_usd(MayaHost().collect_assets())
    finally:
        drop_fake_maya()
    assert str(stage) in result.found and set(closure(stage.parent)) <= set(result.found)
    assert str(stage.parent / "tex" / "gone.exr") in result.missing
    assert os.path.isabs(result.found[0])
