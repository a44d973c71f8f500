"""Katana's "Farm jobs…": ``render/`` beside the project is the download folder; a submit from the menu is in
the task history; the window auto-downloads frames there while the emulated farm renders."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

from pathlib import Path
from typing import Any, List

import pytest
from farmjobs_helpers import farm_jobs_flow
from testpaths import REPO

Qt = pytest.importorskip("Qt")
if Qt.__binding__ == "PySide2":  # Katana ships PyQt5 (up to 7.5) or PySide6 (8.0 on): hosts.md
    pytest.skip("no Katana ships PySide2", allow_module_level=True)
from Qt import QtWidgets  # noqa: E402
from test_katana_ui import katana, window  # noqa: E402, F401  (the Katana UI tests' fixtures)


def test_render_output_dir_is_beside_the_project(tmp_path: Path, katana: Any) -> None:  # noqa: F811
    from Katana._testing import build_scene
    from rfsync_katana.host import KatanaHost

    assert KatanaHost().render_output_dir() is None  # never saved: no folder to offer
    scene = build_scene(tmp_path)
    assert KatanaHost().render_output_dir() == os.path.join(os.path.dirname(str(scene)), "render")


def test_menu_has_farm_jobs(katana: Any) -> None:  # noqa: F811
    from rfsync_katana import menu

    assert ("Farm jobs…", "farm_jobs") in [(i[0], i[1]) for i in menu.MENU_ITEMS if i]
    assert "**Farm jobs…**" in (REPO / "plugins" / "katana" / "README.md").read_text(encoding="utf-8")


def test_farm_jobs_flow(tmp_path: Path, qtbot: Any, window: Any, katana: Any) -> None:  # noqa: F811
    from Katana._testing import build_scene
    from rfsync_katana import actions

    scene = build_scene(tmp_path)

    def submit() -> Any:
        katana.answers += ["Submit anyway", "Submit"]
        return actions.submit_scene(task_id="1732431234567099")

    told: List[str] = []  # the main window's status bar, window closed
    window.statusBar().messageChanged.connect(told.append)
    farm = farm_jobs_flow(qtbot, submit, actions.farm_jobs, "1732431234567099", str(scene),
                          Path(os.path.dirname(str(scene))) / "render")
    assert isinstance(farm, QtWidgets.QWidget) and farm.parentWidget() is not None
    assert any(m.startswith("rfsync: Task 1732431234567099: frame 2 failed") for m in told), told
