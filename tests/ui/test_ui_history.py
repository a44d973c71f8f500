"""Finished transfers are kept for the session; a background transfer that ends says so.

Real folder-platform uploads in offscreen Qt; the Transfers window is read back from its rows.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

from pathlib import Path
from typing import Any, List, Tuple

import pytest
from Qt import QtCore, QtWidgets

from rfsync_core.app import TransferSettings, upload_manifest_job, write_upload_manifest

pytest.importorskip("Qt")

from rfsync_core.ui import DONE, DONE_WITH_ERRORS, HostActions, HostWords, TransferPanel, history
from rfsync_core.ui import panel as panel_module


@pytest.fixture(autouse=True)
def fresh_session(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(history, "_SESSION", [])
    monkeypatch.setattr(panel_module, "_ACTIVE", [])
    monkeypatch.setenv("RFSYNC_LOCAL_ROOT", str(tmp_path / "farm"))


def upload_job(tmp_path: Path, name: str, count: int, missing: int = 0, max_speed: Any = None) -> Any:
    folder = tmp_path / name
    folder.mkdir()
    files = []
    for i in range(count):
        p = folder / f"f{i}.bin"
        p.write_bytes(os.urandom(60_000))
        files.append(str(p))
    manifest = write_upload_manifest(str(tmp_path / f"{name}.json"), None, files)
    for gone in files[:missing]:
        os.unlink(gone)
    return upload_manifest_job(manifest, TransferSettings(max_speed=max_speed, threads=2))


class Host:
    def __init__(self) -> None:
        self.messages: List[str] = []

    def main_window(self) -> Any:
        return None

    def show_message(self, title: str, text: str, level: str = "info", buttons: Any = ("OK",)) -> str:
        self.messages.append(text)
        return "OK"


def send_to_background(qtbot: Any, panel: TransferPanel) -> None:
    """Show the panel, wait for bytes to move, then close it with "Keep running in background"."""
    panel.show()
    qtbot.waitUntil(lambda: panel.last_snapshot is not None and panel.last_snapshot.bytes_done > 0,
                    timeout=20000)
    panel.close()


def followed_in_background(qtbot: Any, monkeypatch: pytest.MonkeyPatch, title: str, job: Any,
                           parent: Any = None) -> Tuple[TransferPanel, List[Any]]:
    """A panel whose host status line is recorded, running ``job``, closed to the background."""
    from rfsync_core.ui.hoststatus import StatusFollower

    panel = TransferPanel(title, parent=parent)
    qtbot.addWidget(panel)
    monkeypatch.setattr(panel, "ask_close_choice", lambda: "background")
    notes: List[Any] = []
    StatusFollower(panel, lambda text, fraction: notes.append((text, fraction)), title)
    panel.start(job)
    send_to_background(qtbot, panel)
    return panel, notes


def test_show_transfers_lists_finished_and_failed(qtbot: Any, tmp_path: Path) -> None:
    for title, missing in (("Upload good", 0), ("Upload broken", 2)):
        panel = TransferPanel(title)
        panel.start(upload_job(tmp_path, title.split()[1], 4, missing))
        panel.show()
        qtbot.waitUntil(lambda p=panel: p.state not in ("", "running") and not p.is_running(), timeout=30000)
        with qtbot.waitSignal(panel.destroyed, timeout=5000):  # closed and gone: still in the session's list
            QtCore.QTimer.singleShot(0, panel.close)  # from inside the loop: Qt 5 drops deleteLater outside
    host = Host()
    actions: HostActions[Any] = HostActions(lambda: host, HostWords("Desk", "sketch", "", "", ""))
    assert actions.show_transfers() == 2
    assert host.messages == []
    window = history._WINDOW[0]
    qtbot.addWidget(window)
    rows = window.rows()
    assert [r[:2] for r in rows] == [["Upload broken", DONE_WITH_ERRORS], ["Upload good", DONE]]
    assert "2 failed" in rows[0][2] and "4 files transferred" in rows[1][2]


def test_a_background_transfer_that_ends_comes_back(qtbot: Any, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    panel = TransferPanel("Upload in background")
    qtbot.addWidget(panel)
    monkeypatch.setattr(panel, "ask_close_choice", lambda: "background")
    ended: List[str] = []
    panel.ended_in_background.connect(ended.append)
    panel.start(upload_job(tmp_path, "bg", 6, max_speed=300))  # 360 KB at 300 KB/s
    send_to_background(qtbot, panel)
    assert not panel.isVisible() and panel.is_running()
    qtbot.waitUntil(lambda: ended == [DONE], timeout=30000)
    assert panel.isVisible()  # it said so: shown again, not vanished
    assert [r.state for r in history.session_transfers()] == [DONE]


def test_a_background_transfer_that_fails_raises_the_transfers_window(qtbot: Any, tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    host_window = QtWidgets.QMainWindow()
    qtbot.addWidget(host_window)
    panel, notes = followed_in_background(qtbot, monkeypatch, "Upload broken",
                                          upload_job(tmp_path, "bad", 6, missing=2, max_speed=300), host_window)
    qtbot.waitUntil(lambda: panel.state == DONE_WITH_ERRORS, timeout=30000)
    window = history._WINDOW[0]
    qtbot.addWidget(window)
    assert window.isVisible() and window.parentWidget() is host_window  # raised over the host
    assert window.rows()[0][:2] == ["Upload broken", DONE_WITH_ERRORS]
    text, fraction = notes[-1]  # the host's own line says how it ended, and keeps saying it
    assert fraction is None and text.startswith("rfsync: Upload broken — Done with errors (2 failed)")


def test_a_background_transfer_that_succeeds_is_said_in_the_hosts_line(qtbot: Any, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    panel, notes = followed_in_background(qtbot, monkeypatch, "Upload good",
                                          upload_job(tmp_path, "good", 6, max_speed=300))
    qtbot.waitUntil(lambda: panel.state == DONE, timeout=30000)
    assert notes[-1][1] is None and notes[-1][0].startswith("rfsync: Upload good — Done: 6 files transferred")
    assert not (history._WINDOW and history._WINDOW[0].isVisible())  # success does not jump up
