"""The shared transfer panel, driven by real uploads (folder platform and the test S3 server).

Offscreen Qt (PySide6 through Qt.py) with pytest-qt.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

import threading
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest

from rfsync_core.app import TransferSettings, upload_manifest_job, write_upload_manifest
from rfsync_core.errors import RfsyncError
from rfsync_core.transfer.upload import UploadResult

Qt = pytest.importorskip("Qt")
from Qt import QtCore, QtWidgets  # noqa: E402

from rfsync_core.ui import (  # noqa: E402
    CANCELLED,
    DONE,
    DONE_WITH_ERRORS,
    FAILED,
    TransferPanel,
    active_panels,
)

FINAL = (DONE, DONE_WITH_ERRORS, CANCELLED, FAILED)


@pytest.fixture
def farm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The built-in folder platform "local", rooted in tmp."""
    root = tmp_path / "farm"
    monkeypatch.setenv("RFSYNC_LOCAL_ROOT", str(root))
    return root


def make_files(folder: Path, count: int, size: int = 1000) -> List[str]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(count):
        p = folder / f"asset_{i:04d}.bin"
        p.write_bytes(os.urandom(size))
        out.append(str(p))
    return out


def manifest_for(tmp_path: Path, files: List[str]) -> str:
    return write_upload_manifest(str(tmp_path / "work" / "upload.json"), None, files)


def farm_file(root: Path, local: str) -> Path:
    return root / "input" / local.lstrip("/")


def wait_final(qtbot: Any, panel: TransferPanel, timeout: int = 60000) -> None:
    qtbot.waitUntil(lambda: panel.state in FINAL and not panel.is_running(), timeout=timeout)


class GuiThreadProbe(QtCore.QObject):
    """Connected to the panel's runner: records the thread each snapshot arrives in."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: List[Any] = []
        self.snaps: List[Any] = []

    @QtCore.Slot(object)
    def record(self, snap: Any) -> None:
        self.threads.append(QtCore.QThread.currentThread())
        self.snaps.append(snap)


def start_with_probe(panel: TransferPanel, job: Any) -> GuiThreadProbe:
    probe = GuiThreadProbe()
    panel.start(job)
    assert panel._runner is not None
    panel._runner.progress.connect(probe.record)
    return probe


def test_folder_upload_progress_reaches_widgets(qtbot: Any, tmp_path: Path, farm: Path) -> None:
    files = make_files(tmp_path / "assets", 40, 20_000)
    panel = TransferPanel("Upload test")
    qtbot.addWidget(panel)
    probe = start_with_probe(panel, upload_manifest_job(manifest_for(tmp_path, files), TransferSettings()))
    panel.show()
    wait_final(qtbot, panel)
    assert panel.state == DONE, panel.status_label.text()
    for f in files:
        assert farm_file(farm, f).read_bytes() == Path(f).read_bytes()
    assert panel.progress_bar.value() == 1000
    assert "40 of 40" in panel.files_label.text()
    assert panel.last_snapshot.files_done == 40 and panel.last_snapshot.bytes_done == 40 * 20_000
    assert panel.status_label.text().startswith("Done: 40 files transferred")
    assert not panel.cancel_button.isEnabled()
    gui = QtWidgets.QApplication.instance().thread()
    assert probe.threads and all(t is gui for t in probe.threads)
    assert probe.snaps[-1].finished


def test_second_run_skips_unchanged(qtbot: Any, tmp_path: Path, farm: Path) -> None:
    files = make_files(tmp_path / "assets", 5)
    manifest = manifest_for(tmp_path, files)
    for expected in ("Done: 5 files transferred", "Done: 0 files transferred, 5 unchanged (skipped)"):
        panel = TransferPanel("Upload")
        qtbot.addWidget(panel)
        panel.start(upload_manifest_job(manifest, TransferSettings()))
        wait_final(qtbot, panel)
        assert panel.state == DONE
        assert panel.status_label.text().startswith(expected)


def test_s3_upload_progress_and_errors(qtbot: Any, tmp_path: Path, s3_platform: str, s3_server: Any,
                                       s3_bucket: str) -> None:
    files = make_files(tmp_path / "assets", 12, 50_000)
    gone = str(tmp_path / "assets" / "deleted_after_collect.exr")
    Path(gone).write_bytes(b"soon gone")
    manifest = manifest_for(tmp_path, [*files, gone])
    os.unlink(gone)  # collected, then deleted before the upload: a per-file error
    panel = TransferPanel("Upload to S3")
    qtbot.addWidget(panel)
    panel.start(upload_manifest_job(manifest, TransferSettings(platform=s3_platform, threads=4)))
    wait_final(qtbot, panel)
    assert panel.state == DONE_WITH_ERRORS, panel.status_label.text()
    on_disk = s3_server.root / s3_bucket / "farm"
    for f in files:
        assert farm_file(on_disk, f).read_bytes() == Path(f).read_bytes()
    assert panel.error_list.group_titles() == ["1 missing — moved or deleted after collect"]
    [(name, folder, reason)] = panel.error_list.rows()
    assert name == "deleted_after_collect.exr" and folder == str(tmp_path / "assets")
    assert reason and "deleted_after_collect" not in reason  # the reason, without the path
    assert panel.errors_label.text().startswith("Errors: 1")
    assert "Fix the files listed below" in panel.next_label.text()
    assert panel.copy_button.isEnabled()


def test_cancel_stops_the_transfer(qtbot: Any, tmp_path: Path, farm: Path) -> None:
    files = make_files(tmp_path / "assets", 30, 100_000)  # 3 MB at 300 KB/s: ~10 s uncancelled
    panel = TransferPanel("Slow upload")
    qtbot.addWidget(panel)
    panel.start(upload_manifest_job(manifest_for(tmp_path, files), TransferSettings(max_speed=300, threads=2)))
    qtbot.waitUntil(lambda: panel.last_snapshot is not None and panel.last_snapshot.bytes_done > 0,
                    timeout=20000)
    clicked = time.monotonic()
    qtbot.mouseClick(panel.cancel_button, QtCore.Qt.MouseButton.LeftButton)
    assert panel.cancel_button.text() == "Cancelling…"
    wait_final(qtbot, panel, timeout=10000)
    assert time.monotonic() - clicked < 3.0
    assert panel.state == CANCELLED, panel.status_label.text()
    assert "run it again" in panel.next_label.text()
    arrived = [f for f in files if farm_file(farm, f).exists()]
    assert len(arrived) < len(files)
    for f in arrived:  # nothing half-written under a final name
        assert farm_file(farm, f).read_bytes() == Path(f).read_bytes()


def test_job_errors_give_failed_state(qtbot: Any) -> None:
    def job(progress: Any, cancel: Any) -> Any:
        raise RfsyncError("platform 'nowhere' is unknown (known: local)")

    panel = TransferPanel("Broken")
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.finished, timeout=10000) as blocker:
        panel.start(job)
    assert blocker.args == [FAILED]
    assert panel.state == FAILED
    assert "platform 'nowhere' is unknown" in panel.status_label.text()
    assert "settings" in panel.next_label.text()
    qtbot.waitUntil(lambda: not panel.is_running())


def test_job_runs_off_the_gui_thread(qtbot: Any) -> None:
    seen: Dict[str, Any] = {}

    def job(progress: Any, cancel: Any) -> Any:
        seen["thread"] = threading.current_thread()
        return None

    panel = TransferPanel("Thread check")
    qtbot.addWidget(panel)
    panel.start(job)
    wait_final(qtbot, panel)
    assert seen["thread"] is not threading.main_thread()
    assert panel.state == DONE


def _slow_job(progress: Any, cancel: Any) -> Any:
    """A job that runs until cancelled or 20 s passed, reporting progress like the engine."""
    from rfsync_core.transfer.progress import ProgressTracker

    tracker = ProgressTracker(progress, cancel)
    tracker.add_total(files=1, nbytes=100)
    for _ in range(200):
        if cancel.wait(0.1):
            break
        tracker.set_message("working")
    snap = tracker.finish()
    return UploadResult(duration=snap.elapsed, cancelled=cancel.cancelled)


@pytest.mark.filterwarnings("ignore:libpyside. Failed to disconnect")
@pytest.mark.parametrize("choice", ["stay", "background", "cancel"])
def test_closing_while_running_asks(qtbot: Any, monkeypatch: pytest.MonkeyPatch, choice: str) -> None:
    panel = TransferPanel("Close me")  # not qtbot.addWidget: the panel deletes itself once closed and done
    asked: List[bool] = []

    def ask() -> str:
        asked.append(True)
        return choice

    monkeypatch.setattr(panel, "ask_close_choice", ask)
    panel.start(_slow_job)
    panel.show()
    qtbot.waitUntil(lambda: panel.last_snapshot is not None, timeout=5000)
    panel.close()
    assert asked == [True]
    if choice == "stay":
        assert panel.isVisible() and panel.is_running()
        panel.cancel()
    elif choice == "background":
        assert not panel.isVisible() and panel.is_running()
        assert panel in active_panels()
        assert not panel._runner.cancel_token.cancelled  # type: ignore[union-attr]
        panel.cancel()
    else:
        assert not panel.isVisible()
    if choice == "stay":
        wait_final(qtbot, panel, timeout=5000)
        assert panel.state == CANCELLED
        with qtbot.waitSignal(panel.destroyed, timeout=5000):
            QtCore.QTimer.singleShot(0, panel.close)  # from inside the loop: Qt 5 drops deleteLater outside
    else:  # closed while running: it goes away by itself once the transfer stopped
        states: List[str] = []
        panel.finished.connect(states.append)
        with qtbot.waitSignal(panel.destroyed, timeout=5000):
            pass
        assert states == [CANCELLED]
        assert panel not in active_panels()


def test_closing_a_finished_panel_does_not_ask(qtbot: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    panel = TransferPanel("Done")
    monkeypatch.setattr(panel, "ask_close_choice", lambda: pytest.fail("must not ask"))
    panel.start(lambda progress, cancel: None)
    panel.show()
    wait_final(qtbot, panel)
    assert panel in active_panels()
    with qtbot.waitSignal(panel.destroyed, timeout=5000):
        QtCore.QTimer.singleShot(0, panel.close)  # from inside the loop: Qt 5 drops deleteLater outside
    assert panel not in active_panels()
