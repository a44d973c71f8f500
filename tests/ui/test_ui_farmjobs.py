"""The "Farm jobs" window against the farm emulator on the folder platform: rows from the task history,
states polled off the main thread, frames auto-downloaded into the chosen folder while the task renders,
a failed frame shown, an unknown task shown as such, a stopped download resumed without a frame twice."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

import threading
import time
from pathlib import Path
from typing import Any, List, Tuple

import pytest
from download_helpers import emulator, files_under, submit

pytest.importorskip("Qt")
from Qt import QtWidgets

from rfsync_core.app import farm_poll
from rfsync_core.app.task_history import TaskEntry, TaskHistory
from rfsync_core.client import Client
from rfsync_core.testing.farm_emulator import frame_output_bytes
from rfsync_core.ui import CANCELLED, DONE, DONE_WITH_ERRORS, FAILED
from rfsync_core.ui.farmjobs import FarmJobsWindow

FINAL = (DONE, DONE_WITH_ERRORS, CANCELLED, FAILED)
SCENE = "/D/proj/sh010.ma"


@pytest.fixture
def farm_client(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("RFSYNC_LOCAL_ROOT", str(tmp_path / "farm"))
    client = Client("local")
    yield client
    client.close()


def _remember(task_id: str, scene: str = SCENE) -> None:
    TaskHistory().record(TaskEntry("local", task_id, "maya", scene, "1-3", time.time()))


def _window(qtbot: Any, tmp_path: Path, **kwargs: Any) -> FarmJobsWindow:
    window = FarmJobsWindow(scene=SCENE, default_folder=str(tmp_path / "renders"), interval=0.05, **kwargs)
    qtbot.addWidget(window)
    return window


def _final_files(folder: Path) -> List[str]:
    """Frames under their final name (a ``.part`` is a download in progress)."""
    return sorted(n for n in os.listdir(folder) if not n.endswith(".part")) if folder.is_dir() else []


def _auto_download_until_a_frame_arrived(qtbot: Any, tmp_path: Path, client: Client, task_id: str,
                                         frames: str) -> Tuple[FarmJobsWindow, Any, Any, Path]:
    """A task rendering slowly, its auto-download started from the window, once one frame has arrived."""
    submit(client, task_id, frames=frames)
    _remember(task_id)
    window = _window(qtbot, tmp_path)
    window.select(task_id)
    emu = emulator(client, task_id, frame_time=0.4, finish_time=0.2).start()
    panel = window.auto_download()
    assert panel is not None
    qtbot.addWidget(panel)
    dest = tmp_path / "renders" / f"{task_id}_sh010" / "masterLayer"
    qtbot.waitUntil(lambda: bool(_final_files(dest)), timeout=30000)
    return window, emu, panel, dest


def _wait_final(qtbot: Any, panel: Any) -> None:
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: panel.state in FINAL and not panel.is_running(), timeout=60000)


def test_rows_this_scene_first_then_all_with_live_states(qtbot: Any, tmp_path: Path, farm_client: Client,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    threads: List[str] = []
    real = farm_poll.read_task_status

    def read_and_note_thread(*args: Any, **kwargs: Any) -> Any:  # the real reader, noting the thread
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(farm_poll, "read_task_status", read_and_note_thread)
    submit(farm_client, "981", frames="1-3")
    _remember("981")
    _remember("982", scene="/D/proj/other.ma")  # newer, another scene; never submitted: unknown
    window = _window(qtbot, tmp_path)
    assert [r[0] for r in window.row_texts()] == ["981", "982"]
    emu = emulator(farm_client, "981", frame_time=0.15, fail_frames=["2"]).start()
    qtbot.waitUntil(lambda: window.row_texts()[0][4] == "failed", timeout=30000)
    emu.join(5)
    rows = window.row_texts()
    assert rows[0][4:6] == ["failed", "2/3 done, 1 failed"]
    assert rows[1][4] == "unknown to the farm"
    assert rows[0][6] == str(tmp_path / "renders")  # the host's render folder by default
    assert any("frame 2 failed" in n for n in window.notices)
    assert any(n.startswith("Task 981 ended: failed") for n in window.notices)
    assert threads and threading.main_thread().name not in threads  # never read on the main thread
    window.select("982")
    assert not window.download_button.isEnabled() and not window.auto_button.isEnabled()


def test_auto_download_brings_frames_into_the_chosen_folder_while_it_renders(
        qtbot: Any, tmp_path: Path, farm_client: Client) -> None:
    submit(farm_client, "983", frames="1-4")
    _remember("983")
    window = _window(qtbot, tmp_path)
    window.select("983")
    window.set_folder(str(tmp_path / "shot" / "images"), flat=True)
    assert TaskHistory().get("local", "983").output_dir == str(tmp_path / "shot" / "images")  # remembered
    assert not window.per_task.isChecked()
    emu = emulator(farm_client, "983", frame_time=0.3, finish_time=0.5, fail_frames=["4"]).start()
    panel = window.auto_download()
    assert panel is not None and window.stop_button.isEnabled()
    window.close()  # the download is a transfer of its own: it goes on without the window
    _wait_final(qtbot, panel)
    emu.join(5)
    images = tmp_path / "shot" / "images"
    assert emu.ending_at is not None
    for frame in ("1", "2", "3"):
        path = images / "masterLayer" / f"sh010.{int(frame):04d}.exr"  # flat: no 983_sh010 folder
        assert path.read_bytes() == frame_output_bytes("983", frame, "masterLayer", 4096)
        assert path.stat().st_mtime <= emu.ending_at  # arrived while the task still rendered
    assert panel.state == DONE_WITH_ERRORS  # frame 4 failed on the farm, and the panel says so
    assert any("4" in what for what, _why in panel.errors)


def test_stopped_auto_download_resumes_without_a_frame_twice(qtbot: Any, tmp_path: Path,
                                                             farm_client: Client) -> None:
    window, emu, first, _dest = _auto_download_until_a_frame_arrived(qtbot, tmp_path, farm_client, "985", "1-4")
    window.stop()
    _wait_final(qtbot, first)
    assert first.state == CANCELLED
    got_first = set(first.result.downloaded) if first.result is not None else set()
    emu.join(30)
    second = window.auto_download()
    assert second is not None and second is not first
    _wait_final(qtbot, second)
    assert second.state == DONE
    assert got_first and not got_first & set(second.result.downloaded)  # nothing fetched twice
    assert len(files_under(tmp_path / "renders" / "985_sh010")) == 5  # 4 frames + render.log


def test_open_folder_makes_and_opens_the_task_folder(qtbot: Any, tmp_path: Path, farm_client: Client) -> None:
    _remember("987")
    window = _window(qtbot, tmp_path)
    opened: List[str] = []
    window.open_url = lambda url: opened.append(url.toLocalFile())
    window.select("987")
    window.open_folder()
    assert opened == [str(tmp_path / "renders")] and (tmp_path / "renders").is_dir()


def test_empty_history_is_an_empty_window(qtbot: Any, tmp_path: Path, farm_client: Client) -> None:
    window = _window(qtbot, tmp_path)
    assert window.row_texts() == [] and window.poller is None
    assert not window.download_button.isEnabled()
    assert isinstance(window.tree, QtWidgets.QTreeWidget)


def test_host_quit_stops_auto_download_and_the_next_session_resumes(qtbot: Any, tmp_path: Path,
                                                                    farm_client: Client,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from rfsync_core.ui.quitguard import quit_guard

    guard = quit_guard()
    assert guard is not None
    monkeypatch.setattr(guard, "quitting", False)  # restored after the test: the guard lives all session
    _window1, emu, first, dest = _auto_download_until_a_frame_arrived(qtbot, tmp_path, farm_client, "989", "1-3")
    guard.stop_all()  # what the host's quit does: cancel, wait (bounded) for the thread
    assert not first._runner or not first._runner.thread_alive()
    kept = _final_files(dest)  # a .part may stay (resumed next time); a final name holds the whole frame
    for name in kept:
        frame = str(int(name.split(".")[1]))
        assert (dest / name).read_bytes() == frame_output_bytes("989", frame, "masterLayer", 4096)
    emu.join(30)
    monkeypatch.setattr(guard, "quitting", False)  # "next session"
    window2 = _window(qtbot, tmp_path)
    window2.select("989")
    second = window2.auto_download()
    assert second is not None
    _wait_final(qtbot, second)
    assert second.state == DONE
    again = {k.rsplit("/", 1)[-1] for k in second.result.downloaded}
    assert not again & set(kept)  # the frames that arrived before the quit are not fetched again
    assert sorted(os.listdir(dest)) == ["sh010.0001.exr", "sh010.0002.exr", "sh010.0003.exr"]


def _reads_by_task(monkeypatch: pytest.MonkeyPatch) -> List[str]:
    """The real status reader, noting which task each read was for."""
    reads: List[str] = []
    real = farm_poll.read_task_status

    def read_and_note(storage: Any, task_id: Any, *args: Any, **kwargs: Any) -> Any:
        reads.append(str(task_id))
        return real(storage, task_id, *args, **kwargs)

    monkeypatch.setattr(farm_poll, "read_task_status", read_and_note)
    return reads


def _stop(panel: Any) -> None:
    """Cancel a panel's transfer and wait (bounded) for its thread: a failed test leaves nothing running."""
    panel.cancel()
    if panel._runner is not None:
        panel._runner.wait_stopped(10000)


def _pollers_ended(window: FarmJobsWindow) -> bool:
    return window.poller is None and all(not p.is_alive() for p in window._last_looks)


def test_closed_window_tells_the_host_line_and_polls_only_while_auto_downloading(
        qtbot: Any, tmp_path: Path, farm_client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = _reads_by_task(monkeypatch)
    lines: List[Tuple[str, Any]] = []
    submit(farm_client, "991", frames="1-4")
    submit(farm_client, "992", frames="1-2")  # submitted, never rendered: still waiting after the close
    _remember("992")
    _remember("991")
    window = _window(qtbot, tmp_path, status_write=lambda text, fraction: lines.append((text, fraction)))
    qtbot.waitUntil(lambda: "992" in reads and "991" in reads, timeout=30000)
    window.select("991")
    emu = emulator(farm_client, "991", frame_time=0.3, finish_time=0.3, fail_frames=["2"])
    panel = window.auto_download()
    assert panel is not None
    try:
        before = window.poller
        window.close()  # closed while the auto-download runs
        assert before is not None and before.join(10)  # the all-tasks poll ended…
        assert window.poller is not None and window.poller.tasks == [("local", "991")]  # …this one still polled
        polls_992 = reads.count("992")
        emu.start()
        _wait_final(qtbot, panel)
    finally:  # failed or not: nothing left running for the next test
        _stop(panel)
        emu.stop()
        emu.join(10)

    def notices() -> List[str]:  # what the host's line was told
        return [text for text, fraction in lines if fraction is None]

    qtbot.waitUntil(lambda: any(n.startswith("rfsync: Task 991 ended: failed") for n in notices()),
                    timeout=30000)
    assert any("Task 991: frame 2 failed" in n for n in notices())  # heard with the window closed
    qtbot.waitUntil(lambda: _pollers_ended(window), timeout=30000)  # stopped with the auto-download
    assert reads.count("992") == polls_992  # a task without an auto-download is not polled while closed
    after = len(reads)
    qtbot.wait(300)
    assert len(reads) == after  # nothing polls any more


def test_host_quit_stops_the_closed_window_s_polling(qtbot: Any, tmp_path: Path, farm_client: Client,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from rfsync_core.ui.quitguard import quit_guard

    guard = quit_guard()
    assert guard is not None
    monkeypatch.setattr(guard, "quitting", False)
    reads = _reads_by_task(monkeypatch)
    submit(farm_client, "993", frames="1-50")
    _remember("993")
    window = _window(qtbot, tmp_path)
    window.select("993")
    emu = emulator(farm_client, "993", frame_time=0.3).start()
    panel = window.auto_download()
    assert panel is not None
    try:
        window.close()
        qtbot.waitUntil(lambda: reads.count("993") >= 3, timeout=30000)  # polled while closed
        poller = window.poller
        assert poller is not None and poller.is_alive()
        guard.stop_all()  # the host quits: its transfers are cancelled…
        _wait_final(qtbot, panel)
        assert panel.state == CANCELLED
        qtbot.waitUntil(lambda: _pollers_ended(window), timeout=30000)  # …and the farm is no longer read
        assert poller.join(10) and not window._last_looks  # no last read for a download cut short
    finally:  # failed or not: nothing left running for the next test
        _stop(panel)
        emu.stop()
        emu.join(10)
