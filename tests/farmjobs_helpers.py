"""The "Farm jobs" flow every host plugin is tested with: a real submit from the host's menu action, the farm
emulator rendering it over time, the host's Farm jobs window auto-downloading into the host's render folder.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, List

from rfsync_core.app.task_history import TaskEntry, TaskHistory
from rfsync_core.client import Client
from rfsync_core.testing.farm_emulator import FarmEmulator, writer_for
from rfsync_core.ui import CANCELLED, DONE, DONE_WITH_ERRORS, FAILED

FINAL = (DONE, DONE_WITH_ERRORS, CANCELLED, FAILED)


def wait_final(qtbot: Any, panel: Any) -> None:
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: panel.state in FINAL and not panel.is_running(), timeout=60000)


def files(folder: Path) -> List[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def farm_jobs_flow(qtbot: Any, submit: Callable[[], Any], open_window: Callable[[], Any], task_id: str,
                   scene: str, render_folder: Path) -> Any:
    """Submit through the host, render with a failing frame, auto-download from the window; returns the window.

    Checks: the submit is in the history with the host's render folder; the window lists this scene's task
    first with that folder; frames land there while the task still renders; the failed frame is shown and
    notified (the window closed meanwhile: the caller checks the host's status line heard it); a task the
    farm does not know is shown as such and its download fails at once (no hang).
    """
    panel = submit()
    assert panel is not None
    wait_final(qtbot, panel)
    assert panel.state == DONE, panel.status_label.text()
    entry = TaskHistory().get("local", task_id)
    assert entry is not None and entry.scene == scene and entry.output_dir == str(render_folder)
    TaskHistory().record(TaskEntry("local", "4040", entry.host, "/elsewhere/other.scene", "1", time.time()))

    client = Client("local")
    emu = FarmEmulator(writer_for(client.platform), task_id, frame_time=0.3, finish_time=0.3, fail_frames=["2"])
    emu.start()
    try:
        window = open_window()
        qtbot.addWidget(window)
        rows = window.row_texts()
        assert [r[0] for r in rows] == [task_id, "4040"]  # this scene's task first, though older
        assert rows[0][6] == str(render_folder)
        window.interval = 0.05
        window.refresh()
        window.select(task_id)
        auto = window.auto_download()
        assert auto is not None
        window.close()  # closed while it runs: the notices go to the host's status line
        wait_final(qtbot, auto)
        emu.join(30)
    finally:
        client.close()
    assert emu.ending_at is not None
    got = files(render_folder)
    assert got, f"nothing arrived in {render_folder}"
    frames = [p for p in got if p.suffix == ".exr" and any(a.name.startswith(f"{task_id}_") for a in p.parents)]
    assert frames, got
    assert all(p.stat().st_mtime <= emu.ending_at for p in frames), frames  # while the task still rendered
    assert auto.state == DONE_WITH_ERRORS and any("frame 2" in what for what, _why in auto.errors)
    qtbot.waitUntil(lambda: window.row_texts()[0][4] == "failed", timeout=30000)
    assert "1 failed" in window.row_texts()[0][5]
    assert any("frame 2 failed" in n for n in window.notices)
    window.show()  # opened again: every task is polled again

    qtbot.waitUntil(lambda: window.row_texts()[1][4] == "unknown to the farm", timeout=30000)
    window.select("4040")
    assert not window.auto_button.isEnabled()
    unknown = window.download_now()  # forced: an error at once, not a wait
    assert unknown is not None
    wait_final(qtbot, unknown)
    assert unknown.state == FAILED and "4040" in unknown.status_label.text()
    return window
