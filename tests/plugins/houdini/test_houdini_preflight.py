"""Houdini's preflight settings: ``$JOB`` (else the hip file's folder) is the project, a ROP's ``f1``-``f3`` (else
``$FSTART``-``$FEND``) the frames; the panel's check uses the ROP's range (fake hou, real files)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

import pytest
from fakes.houdini import build_scene, drop_fake_hou, use_fake_hou


@pytest.fixture
def hou(tmp_path: Path) -> Iterator[Any]:
    use_fake_hou(ui=False)
    import hou as fake_hou  # type: ignore[import-not-found]

    yield fake_hou
    drop_fake_hou()


def test_project_root_is_job_else_the_hip_folder(tmp_path: Path, hou: Any) -> None:
    from rfsync_houdini.host import HoudiniHost

    build_scene(tmp_path / "proj", hou)
    assert HoudiniHost().project_root() == os.path.normpath(str(tmp_path / "job"))
    hou.STATE.variables["JOB"] = str(tmp_path / "nowhere")  # not a folder: not a project
    assert HoudiniHost().project_root() == str(tmp_path / "proj")
    del hou.STATE.variables["JOB"]  # unset: "$JOB" stays as written in the fake (Houdini's default unconfirmed)
    assert HoudiniHost().project_root() == str(tmp_path / "proj")


def test_render_frames_are_the_rops_else_the_scenes(tmp_path: Path, hou: Any) -> None:
    from rfsync_houdini.host import HoudiniHost

    build_scene(tmp_path / "proj", hou)
    rop = hou.node("/out/rfsync1")
    rop.parm("f2").set(2)
    hou.STATE.fstart, hou.STATE.fend = 1, 24
    assert HoudiniHost().render_frames(rop) == "1-2"
    assert HoudiniHost().render_frames() == "1-24"


def test_the_panels_preflight_uses_the_rops_range(tmp_path: Path, hou: Any) -> None:
    pytest.importorskip("Qt")
    from rfsync_houdini.actions import HoudiniActions
    from rfsync_houdini.host import HoudiniHost

    build_scene(tmp_path / "proj", hou)
    rop = hou.node("/out/rfsync1")
    rop.parm("f2").set(2)
    hou.STATE.fstart, hou.STATE.fend = 1, 24
    assert list(HoudiniActions(rop).preflight_settings(HoudiniHost()).frames or ()) == [1, 2]
    menu = HoudiniActions().preflight_settings(HoudiniHost())
    assert list(menu.frames or ()) == list(range(1, 25))
    assert menu.project_root is None  # the default platform names no roots: the farm's mapping is unknown
