"""Maya's preflight settings: the workspace root is the project, the render globals' range the frames; the
panel's check and the batch mode both use them (fake maya, real files)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Iterator

import pytest
from fakes import build_scene, drop_fake_maya, use_fake_maya
from test_maya_batch import run_batch, without_missing


@pytest.fixture
def maya(tmp_path: Path) -> Iterator[Any]:
    state = use_fake_maya()
    yield state
    drop_fake_maya()


def render_range(scene: Path, animation: bool, start: float = 1.0, end: float = 1.0) -> Path:
    """Set the saved scene's render globals (what ``defaultRenderGlobals.animation/startFrame/endFrame`` hold)."""
    data = json.loads(scene.read_text())
    for node in data["nodes"]:
        if node["name"] == "defaultRenderGlobals":
            node["attrs"].update(animation=animation, startFrame=start, endFrame=end)
    scene.write_text(json.dumps(data))
    return scene


def test_project_root_and_render_frames(tmp_path: Path, maya: Any) -> None:
    from maya import cmds
    from rfsync_maya.host import MayaHost

    scene = render_range(build_scene(tmp_path / "proj", maya), animation=True, start=5, end=12)
    cmds.file(str(scene), open=True, force=True)
    host = MayaHost()
    assert host.project_root() == os.path.normpath(str(tmp_path / "proj"))
    assert host.render_frames() == "5-12"
    cmds.file(str(render_range(scene, animation=False)), open=True, force=True)
    assert host.render_frames() == "1"  # animation off: the current frame, as task.json says


def test_the_panels_preflight_settings_come_from_maya(tmp_path: Path, maya: Any) -> None:
    pytest.importorskip("Qt")
    from maya import cmds
    from rfsync_maya.actions import ACTIONS
    from rfsync_maya.host import MayaHost

    scene = render_range(build_scene(tmp_path / "proj", maya), animation=True, start=1, end=4)
    cmds.file(str(scene), open=True, force=True)
    settings = ACTIONS.preflight_settings(MayaHost())
    assert settings.project_root is None  # the default platform names no roots: the farm's mapping is unknown
    assert list(settings.frames or ()) == [1, 2, 3, 4]


def test_batch_checks_the_render_range(tmp_path: Path, maya: Any) -> None:
    scene = without_missing(build_scene(tmp_path / "proj", maya))
    render_range(scene, animation=True, start=1, end=4)  # tex/seq/fire has frames 1-3 only
    proc = run_batch(tmp_path, str(scene))
    assert proc.returncode == 4, proc.stderr
    assert "ERROR frames_missing" in proc.stdout and "fire.####.exr" in proc.stdout
    assert "nothing was sent" in proc.stderr and not (tmp_path / "farm" / "input").exists()
    render_range(scene, animation=True, start=1, end=3)
    assert run_batch(tmp_path, str(scene)).returncode == 0
