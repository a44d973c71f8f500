"""Maya's "Farm jobs…": a submit from the menu lands in the task history with the workspace's images rule as
its download folder; the window auto-downloads the frames there while the emulated farm renders."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

from pathlib import Path
from typing import Any

import pytest
from fakes import build_scene
from farmjobs_helpers import farm_jobs_flow
from testpaths import REPO

pytest.importorskip("Qt")
from test_maya_ui import main_window, maya  # noqa: F401  (the Maya UI tests' fixtures)


def test_render_output_dir_is_the_images_rule(tmp_path: Path, maya: Any) -> None:  # noqa: F811
    from maya import cmds
    from rfsync_maya.host import MayaHost

    build_scene(tmp_path / "proj", maya)
    assert MayaHost().render_output_dir() == str(tmp_path / "proj" / "images")
    cmds.workspace(fileRule=["images", "renders/maya"])
    assert MayaHost().render_output_dir() == str(tmp_path / "proj" / "renders" / "maya")
    cmds.workspace(fileRule=["images", str(tmp_path / "elsewhere")])  # an absolute rule wins over the root
    assert MayaHost().render_output_dir() == str(tmp_path / "elsewhere")


def test_menu_has_farm_jobs(maya: Any) -> None:  # noqa: F811
    from rfsync_maya import menu

    assert ("Farm jobs…", "farm_jobs") in [(i[0], i[1]) for i in menu.MENU_ITEMS if i]
    assert "*Farm jobs…*" in (REPO / "docs" / "maya.md").read_text(encoding="utf-8")  # the docs name it


def test_farm_jobs_flow(tmp_path: Path, qtbot: Any, maya: Any, main_window: Any) -> None:  # noqa: F811
    from maya import cmds
    from rfsync_maya import actions

    scene = build_scene(tmp_path / "proj", maya)
    maya.nodes["defaultRenderGlobals"].attrs.update(animation=True, startFrame=1.0, endFrame=3.0, byFrame=1.0)
    cmds.workspace(fileRule=["images", "renders"])

    def submit() -> Any:
        maya.answers.append("Submit anyway")
        return actions.submit_scene(task_id="1732431234567077")

    window = farm_jobs_flow(qtbot, submit, actions.farm_jobs, "1732431234567077", str(scene),
                            tmp_path / "proj" / "renders")
    assert window.parentWidget() is not None  # parented to Maya's main window
    told = [m for m, _thread in maya.infos]  # MGlobal.displayInfo: the host's line, window closed
    assert any(m.startswith("rfsync: Task 1732431234567077: frame 2 failed") for m in told), told
