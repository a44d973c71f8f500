"""Maya plugin: collecting a scene's files and writing the task's config files (fake maya, real files)."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Iterator

import pytest
from fakes import EXPECTED_FOUND, build_scene, drop_fake_maya, use_fake_maya


@pytest.fixture
def maya(tmp_path: Path) -> Iterator[Any]:
    state = use_fake_maya()
    yield state
    drop_fake_maya()


@pytest.fixture
def scene(tmp_path: Path, maya: Any) -> Path:
    return build_scene(tmp_path / "proj", maya)


def rel(root: Path, paths: Any) -> list:
    return sorted(os.path.relpath(p, root).replace(os.sep, "/") for p in paths)


def test_collect_finds_every_dependency_and_reports_missing(tmp_path: Path, scene: Path) -> None:
    from rfsync_maya.host import MayaHost

    result = MayaHost().collect_assets()
    root = tmp_path / "proj"
    assert rel(root, result.found) == EXPECTED_FOUND
    assert all(os.path.isabs(p) for p in result.found)
    assert result.missing == [f"{root}/tex/missing.exr"]
    assert not any("sharedReferenceNode" in w for w in result.warnings)


def test_collect_needs_a_path_editor_refresh_and_handles_none(maya: Any) -> None:
    """An untitled, empty scene: every query answers None or [] and nothing is found or missing."""
    from maya import cmds
    from rfsync_maya import collect

    assert cmds.filePathEditor(query=True, listDirectories="") is None
    result = collect.collect_scene()
    assert result.found == [] and result.missing == []


def test_unloaded_reference_and_folder_attributes_are_warned(tmp_path: Path, maya: Any) -> None:
    from rfsync_maya import collect

    (tmp_path / "ref.ma").write_text("x")
    (tmp_path / "cachedir").mkdir()
    maya.workspace_root = str(tmp_path)
    maya.add_reference("propRN", str(tmp_path / "ref.ma"), loaded=False)
    maya.add_node("simCache", "cacheFile", {"cachePath": str(tmp_path / "cachedir")}, ["cachePath"])
    result = collect.collect_scene()
    assert str(tmp_path / "ref.ma") in result.found
    assert any("propRN" in w and "unloaded" in w for w in result.warnings)
    assert any("cachedir" in w and "folder" in w for w in result.warnings)


def test_missing_first_udim_tile_is_not_reported_when_other_tiles_exist(tmp_path: Path, maya: Any) -> None:
    from rfsync_maya import collect

    (tmp_path / "t.1002.exr").write_bytes(b"x")
    maya.add_file_texture("f", str(tmp_path / "t.1001.exr"), uv_tiling_mode=3)
    result = collect.collect_scene()
    assert result.found == [str(tmp_path / "t.1002.exr")]
    assert result.missing == []


def test_render_info_for_task_json(scene: Path, maya: Any) -> None:
    from rfsync_maya.host import MayaHost

    maya.nodes["defaultRenderGlobals"].attrs.update(animation=True, startFrame=5.0, endFrame=20.0, byFrame=5.0)
    maya.add_node("fgLayer", "renderLayer", {"renderable": True})
    maya.add_node("bgLayer", "renderLayer", {"renderable": False})
    host = MayaHost()
    info = host.task_info("1732431234567042", str(scene))
    assert info.frames == "5-20x5"
    assert info.renderer == "arnold"
    assert info.layers == ["defaultRenderLayer", "fgLayer"]
    assert info.cameras == ["persp"]
    assert info.host == "maya" and info.host_version == "2025"
    maya.nodes["defaultRenderGlobals"].attrs["animation"] = False
    assert host.frames() == "1"


def test_write_task_configs(tmp_path: Path, scene: Path) -> None:
    from rfsync_maya.host import MayaHost

    from rfsync_core import load_manifest
    from rfsync_core.app import task_folder, write_task_configs

    host = MayaHost()
    collected = host.collect_assets()
    folder = task_folder(str(scene), "1732431234567042")
    paths = write_task_configs(folder, host.task_info("1732431234567042", str(scene)), collected)
    assert sorted(os.path.basename(p) for p in paths.values()) == [
        "asset.json", "task.json", "tips.json", "upload.json"]
    assert all(os.path.dirname(p) == folder for p in paths.values())
    assert folder.startswith(str(tmp_path / "proj" / "shots" / "rfsync" / "sh010"))

    manifest = load_manifest(paths["upload.json"])
    assert [e["local"] for e in manifest.scene] == [str(scene)]
    assert str(scene) not in [e["local"] for e in manifest.asset]
    assert len(manifest.asset) == len(EXPECTED_FOUND) - 1
    assert all(e["server"] == e["local"] for e in manifest.asset)  # POSIX paths keep their form

    task = json.loads(Path(paths["task.json"]).read_text())
    assert task["task_id"] == "1732431234567042"
    assert task["scene"] == str(scene) and task["scene_name"] == "sh010"
    assert task["host"] == "maya" and task["renderer"] == "arnold" and task["frames"] == "1"
    assert task["cameras"] == ["persp"] and task["layers"] == ["defaultRenderLayer"]
    assert task["schema"] == 1

    asset = json.loads(Path(paths["asset.json"]).read_text())
    assert asset["count"] == len(EXPECTED_FOUND)
    assert asset["bytes"] == sum(os.path.getsize(p) for p in collected.found)
    tips = json.loads(Path(paths["tips.json"]).read_text())
    assert tips["missing"] == collected.missing and len(tips["missing"]) == 1


def test_scene_path_and_modified(maya: Any, tmp_path: Path) -> None:
    from rfsync_maya.host import MayaHost

    host = MayaHost()
    assert host.scene_path() is None
    assert not host.is_batch()
    maya.add_node("x", "transform")
    assert host.scene_modified()
    from maya import cmds

    cmds.file(rename=str(tmp_path / "a.ma"))
    host.save_scene()
    assert host.scene_path() == str(tmp_path / "a.ma") and not host.scene_modified()
    assert re.search(r"a\.ma$", host.scene_path() or "")
