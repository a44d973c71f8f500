"""The panel's figures and layout: a bar that never goes backwards, no early ETA, the phase and the
destination in the title line, no empty sections after the end, centred on the host's window.

Real folder-platform uploads; where a figure depends on time, engine snapshots (``Progress``) are
replayed into the panel, as the worker would deliver them.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

from pathlib import Path
from typing import Any, List

import pytest

from rfsync_core.app import TransferSettings, upload_manifest_job, write_upload_manifest
from rfsync_core.transfer.progress import Progress

pytest.importorskip("Qt")
from Qt import QtCore, QtWidgets

from rfsync_core.ui import CANCELLED, DONE, TransferPanel, run_in_panel


@pytest.fixture
def farm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RFSYNC_LOCAL_ROOT", str(tmp_path / "farm"))
    return tmp_path / "farm"


def job_for(tmp_path: Path, count: int, size: int, **settings: Any) -> Any:
    folder = tmp_path / "assets"
    folder.mkdir(exist_ok=True)
    files = []
    for i in range(count):
        p = folder / f"tex_{i:03d}.exr"
        p.write_bytes(os.urandom(size))
        files.append(str(p))
    manifest = write_upload_manifest(str(tmp_path / "work" / "upload.json"), None, files)
    return upload_manifest_job(manifest, TransferSettings(**settings))


def final(qtbot: Any, panel: TransferPanel) -> None:
    qtbot.waitUntil(lambda: panel.state not in ("", "running") and not panel.is_running(), timeout=30000)


def test_cancel_never_sends_the_bar_backwards(qtbot: Any, tmp_path: Path, farm: Path) -> None:
    panel = TransferPanel("Slow upload")
    qtbot.addWidget(panel)
    values: List[int] = []
    panel.progress_bar.valueChanged.connect(values.append)
    panel.start(job_for(tmp_path, 10, 300_000, max_speed=400, threads=3))
    qtbot.waitUntil(lambda: panel.last_snapshot is not None and panel.last_snapshot.bytes_done > 200_000,
                    timeout=20000)
    panel.cancel()
    final(qtbot, panel)
    assert panel.state == CANCELLED
    assert values and values == sorted(values)


def test_bytes_taken_back_say_re_sending(qtbot: Any) -> None:
    panel = TransferPanel("Replay")
    qtbot.addWidget(panel)
    panel.state = "running"
    panel.cancel_button.setEnabled(True)
    mib = 1024 * 1024
    panel.on_progress(Progress(files_total=2, bytes_total=10 * mib, bytes_done=6 * mib, rate=1e6, elapsed=6))
    panel.on_progress(Progress(files_total=2, bytes_total=10 * mib, bytes_done=4 * mib, rate=1e6, elapsed=7))
    assert panel.progress_bar.value() == 600
    assert "re-sending 2.0 MiB" in panel.progress_bar.format().replace("MB", "MiB")


def test_eta_says_estimating_until_the_rate_settles(qtbot: Any) -> None:
    panel = TransferPanel("Replay")
    qtbot.addWidget(panel)
    panel.state = "running"
    panel.on_progress(Progress(files_total=9, bytes_total=10**9, bytes_done=10**6, rate=0.0, eta=None, elapsed=0.4))
    assert "estimating…" in panel.eta_label.text() and "ETA" not in panel.eta_label.text()
    assert "0 B/s" not in panel.rate_label.text()
    panel.on_progress(Progress(files_total=9, bytes_total=10**9, bytes_done=10**6, rate=5e6, eta=120, elapsed=1.0))
    assert "estimating…" in panel.eta_label.text()  # one second of rate is not a rate yet
    panel.on_progress(Progress(files_total=9, bytes_total=10**9, bytes_done=5 * 10**7, rate=5e6, eta=190,
                               elapsed=10.0))
    assert "ETA 3m10s" in panel.eta_label.text()


def test_title_names_destination_and_files_and_no_empty_sections_at_the_end(
        qtbot: Any, tmp_path: Path, farm: Path) -> None:
    host = QtWidgets.QMainWindow()
    qtbot.addWidget(host)
    host.setGeometry(50, 40, 720, 540)  # inside the offscreen screen (800 x 600)
    host.show()
    panel = run_in_panel(job_for(tmp_path, 5, 2000), "Upload sh0400.ma", parent=host, destination="local")
    qtbot.addWidget(panel)
    assert "Upload sh0400.ma → local" in panel.title_label.text()
    centre, host_centre = panel.frameGeometry().center(), host.frameGeometry().center()
    assert abs(centre.x() - host_centre.x()) <= 2 and abs(centre.y() - host_centre.y()) <= 2
    final(qtbot, panel)
    assert panel.state == DONE
    assert panel.title_label.text() == "Upload sh0400.ma → local · 5 of 5 files"
    assert panel.in_flight.isHidden() and panel.in_flight_label.isHidden()
    assert panel.error_list.isHidden() and panel.errors_label.isHidden()  # no errors: no empty table


def test_in_flight_block_keeps_its_height(qtbot: Any) -> None:
    panel = TransferPanel("Replay")
    qtbot.addWidget(panel)
    panel.show()
    panel.state = "running"
    heights = []
    for current in ((), ("a",), tuple(f"f{i}" for i in range(20))):
        panel.on_progress(Progress(files_total=20, current=current, elapsed=1.0))
        QtCore.QCoreApplication.processEvents()
        heights.append(panel.in_flight.height())
    assert len(set(heights)) == 1


def test_the_title_follows_the_jobs_phase_signal(qtbot: Any, tmp_path: Path, farm: Path) -> None:
    from rfsync_core.app import CollectResult, TaskInfo, submit_job, write_task_configs

    scene = tmp_path / "shot" / "sh0400.ma"
    scene.parent.mkdir(parents=True)
    scene.write_text("//scene\n")
    info = TaskInfo("701", str(scene), host="maya", host_version="2024", renderer="arnold", frames="1")
    configs = write_task_configs(str(tmp_path / "cfg"), info, CollectResult(found=[str(scene)]))
    panel = TransferPanel("Submit sh0400", destination="local")
    qtbot.addWidget(panel)
    titles: List[str] = []
    panel.start(submit_job("701", configs, TransferSettings()))
    panel._runner.phase.connect(lambda _p: titles.append(panel.title_label.text()))  # type: ignore[union-attr]
    final(qtbot, panel)
    assert panel.state == DONE
    assert [t.split(" · ")[1] for t in titles] == ["Checking", "Uploading", "Submitting"]
    assert all(t.startswith("Submit sh0400 → local") for t in titles)
    assert panel.title_label.text() == "Submit sh0400 → local · 1 of 1 files"  # no phase once it ended
