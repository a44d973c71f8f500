"""The host's status line follows a panel: at most twice a second, on the GUI thread, cleared at the end.

A real folder-platform upload in a real panel; the writer records what a plugin's ``status.py`` would be
given. The throttle is checked with a clock the test moves (no timing asserts).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

import threading
from pathlib import Path
from typing import Any, List, Optional, Tuple

import pytest

from rfsync_core.app import TransferSettings, upload_manifest_job, write_upload_manifest
from rfsync_core.transfer.progress import Progress

pytest.importorskip("Qt")

from rfsync_core.ui import DONE, TransferPanel
from rfsync_core.ui.hoststatus import INTERVAL_S, StatusFollower, status_text


class Clock:
    def __init__(self) -> None:
        self.t = 50.0

    def __call__(self) -> float:
        return self.t


def test_writes_are_throttled_to_two_a_second(qtbot: Any) -> None:
    panel = TransferPanel("Upload sh0400.ma")
    qtbot.addWidget(panel)
    panel.state = "running"
    got: List[Tuple[str, Optional[float]]] = []
    clock = Clock()
    StatusFollower(panel, lambda text, frac: got.append((text, frac)), "Upload sh0400.ma", clock=clock)
    for i in range(10):  # ten snapshots within the same instant: one write
        panel.on_progress(Progress(files_total=10, files_done=i, bytes_total=1000, bytes_done=i * 100))
    assert len(got) == 1
    clock.t += INTERVAL_S / 2
    panel.on_progress(Progress(files_total=10, files_done=5, bytes_total=1000, bytes_done=500))
    assert len(got) == 1  # still within half a second
    clock.t += INTERVAL_S
    panel.on_progress(Progress(files_total=10, files_done=6, bytes_total=1000, bytes_done=600))
    assert got[-1] == ("rfsync: Upload sh0400.ma — 60% (6 of 10 files, 600 B of 1000 B)", 0.6)


def test_a_real_upload_writes_from_the_gui_thread_and_clears_at_the_end(qtbot: Any, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RFSYNC_LOCAL_ROOT", str(tmp_path / "farm"))
    folder = tmp_path / "tex"
    folder.mkdir()
    files = []
    for i in range(6):
        (folder / f"t{i}.exr").write_bytes(os.urandom(50_000))
        files.append(str(folder / f"t{i}.exr"))
    manifest = write_upload_manifest(str(tmp_path / "work" / "upload.json"), None, files)
    panel = TransferPanel("Upload sh0400.ma")
    qtbot.addWidget(panel)
    got: List[Tuple[str, Optional[float], str]] = []
    StatusFollower(panel, lambda t, f: got.append((t, f, threading.current_thread().name)), "Upload sh0400.ma")
    panel.start(upload_manifest_job(manifest, TransferSettings(max_speed=200, threads=2)))
    qtbot.waitUntil(lambda: panel.state not in ("", "running") and not panel.is_running(), timeout=60000)
    assert panel.state == DONE
    assert got[-1][0] == "" and len(got) >= 2
    assert all(thread == threading.main_thread().name for _t, _f, thread in got)
    assert all(t.startswith("rfsync: Upload sh0400.ma — ") and "%" in t for t, _f, _th in got[:-1])


def test_status_text_without_bytes() -> None:
    assert status_text("Submit", Progress(files_total=4, files_done=1)) == "rfsync: Submit — 25% (1 of 4 files)"


def test_a_broken_status_line_does_not_break_the_panel(qtbot: Any, capsys: pytest.CaptureFixture[str]) -> None:
    panel = TransferPanel("Upload")
    qtbot.addWidget(panel)

    def broken(_text: str, _fraction: Optional[float]) -> None:
        raise RuntimeError("no status bar")

    StatusFollower(panel, broken, "Upload")
    panel.on_progress(Progress(files_total=1))
    assert "cannot write the host's status line: no status bar" in capsys.readouterr().out
