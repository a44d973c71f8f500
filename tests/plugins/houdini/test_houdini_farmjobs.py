"""Houdini's "Farm Jobs...": the render folder is the folder of the image the wired ROP writes (else
``$HIP/render``); a submit from the ROP is in the task history; the window auto-downloads frames there while
the emulated farm renders."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

from pathlib import Path
from typing import Any

import pytest
from fakes.houdini import build_scene
from farmjobs_helpers import farm_jobs_flow
from testpaths import REPO

pytest.importorskip("Qt")
from test_houdini_ui import hou, main_window  # noqa: F401  (the Houdini UI tests' fixtures)

from rfsync_core.ui import active_panels


def test_render_output_dir_follows_the_rop_image(tmp_path: Path, hou: Any) -> None:  # noqa: F811
    from rfsync_houdini.host import HoudiniHost

    build_scene(tmp_path / "proj", hou)
    proj = tmp_path / "proj"
    assert HoudiniHost().render_output_dir() == str(proj / "render")  # Karma's picture default
    hou.node("/out/karma1").parm("picture").set("$HIP/images/beauty/$OS.$F4.exr")
    assert HoudiniHost().render_output_dir() == str(proj / "images" / "beauty")
    hou.node("/out/rfsync1").destroy()  # no submit ROP: $HIP/render
    hou.node("/out/karma1").parm("picture").set("")
    assert HoudiniHost().render_output_dir() == str(proj / "render")


def test_main_menu_has_farm_jobs() -> None:
    xml = (REPO / "plugins" / "houdini" / "MainMenuCommon.xml").read_text(encoding="utf-8")
    assert 'rfsync_houdini.actions.menu("farm_jobs")' in xml and "<label>Farm Jobs...</label>" in xml
    assert "**RFSync > Farm Jobs...**" in (REPO / "plugins" / "houdini" / "README.md").read_text(encoding="utf-8")


def test_farm_jobs_flow(tmp_path: Path, qtbot: Any, hou: Any, main_window: Any) -> None:  # noqa: F811
    from rfsync_houdini import actions

    hip = build_scene(tmp_path / "proj", hou)
    hou.hipFile.save()
    rop = hou.node("/out/rfsync1")

    def submit() -> Any:
        hou.STATE.answers.append("Submit anyway")
        before = active_panels()
        rop.parm("submit").pressButton()
        hou.STATE.run_deferred()
        (panel,) = [p for p in active_panels() if p not in before]
        return panel

    task_id = {"id": ""}

    def open_window() -> Any:
        return actions.menu("farm_jobs")

    from rfsync_core.app.task_history import TaskHistory

    def submit_and_learn_id() -> Any:
        panel = submit()
        qtbot.waitUntil(lambda: not panel.is_running(), timeout=60000)
        task_id["id"] = TaskHistory().entries()[0].task_id
        return panel

    panel = submit_and_learn_id()
    farm_jobs_flow(qtbot, lambda: panel, open_window, task_id["id"], str(hip), tmp_path / "proj" / "render")
    told = [m for m, _severity in hou.STATE.status]  # hou.ui.setStatusMessage, window closed
    assert any(m.startswith(f"rfsync: Task {task_id['id']}: frame 2 failed") for m in told), told
    assert all(t == "MainThread" for t in hou.STATE.status_threads)
