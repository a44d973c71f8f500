"""Houdini plugin UI: the RFSync menu's actions and the submit ROP's buttons driving real uploads
through the shared panel (fake hou in UI mode, offscreen Qt, folder platform and the real S3 server)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

import json
from pathlib import Path
from typing import Any, Iterator, List

import pytest
from fakes.houdini import EXPECTED_FOUND, EXPECTED_ROP_FOUND, build_scene, drop_fake_hou, use_fake_hou

pytest.importorskip("Qt")
from Qt import QtWidgets

from rfsync_core.ui import CANCELLED, DONE, DONE_WITH_ERRORS, FAILED, active_panels

FINAL = (DONE, DONE_WITH_ERRORS, CANCELLED, FAILED)


@pytest.fixture
def hou(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("RFSYNC_LOCAL_ROOT", str(tmp_path / "farm"))
    use_fake_hou(ui=True)
    import hou as fake_hou  # type: ignore[import-not-found]

    yield fake_hou
    drop_fake_hou()


@pytest.fixture
def main_window(qtbot: Any, hou: Any) -> Any:
    """A real QMainWindow handed out by the fake hou.qt.mainWindow(), as Houdini hands out its own."""
    win = QtWidgets.QMainWindow()
    qtbot.addWidget(win)
    hou.STATE.main_window = win
    return win


def wait_final(qtbot: Any, panel: Any) -> None:
    qtbot.waitUntil(lambda: panel.state in FINAL and not panel.is_running(), timeout=60000)


def new_panels(before: List[Any]) -> List[Any]:
    return [p for p in active_panels() if p not in before]


def test_untitled_scene_is_refused(hou: Any, main_window: Any) -> None:
    from rfsync_houdini import actions

    assert actions.menu("upload_scene_assets") is None
    (message,) = hou.STATE.messages
    assert "Save the hip file first" in message["text"] and message["severity"] is hou.severityType.Warning


def test_upload_scene_assets_end_to_end(tmp_path: Path, qtbot: Any, hou: Any, main_window: Any) -> None:
    from rfsync_houdini import actions

    hip = build_scene(tmp_path / "proj", hou)
    hou.node("/obj").createNode("geo", "extra")  # unsaved change
    hou.STATE.answers += ["Save", "Upload anyway"]
    panel = actions.menu("upload_scene_assets")
    assert panel is not None
    qtbot.addWidget(panel)
    assert hou.STATE.saves == 2 and not hou.hipFile.hasUnsavedChanges()  # saved before collecting
    missing = hou.STATE.messages[1]
    assert "missing.exr" in missing["text"] and missing["buttons"] == ("Upload anyway", "Cancel")
    assert panel.parentWidget() is main_window and panel.isVisible()  # non-modal, parented to Houdini
    collecting, cleared, announced = hou.STATE.status[:3]  # why Houdini was busy before the panel, then the upload
    assert collecting[0] == "rfsync: Collecting the files the hip file uses…" and cleared[0] == ""
    assert "Upload sh010.hip" in announced[0]
    wait_final(qtbot, panel)
    assert panel.state == DONE, panel.status_label.text()
    farm = tmp_path / "farm" / "input"
    for rel in EXPECTED_FOUND:
        local = Path(os.path.normpath(tmp_path / "proj" / rel))
        assert (farm / str(local).lstrip("/")).read_bytes() == local.read_bytes()
    assert (hip.parent / "rfsync" / "sh010" / "upload.json").is_file()


def test_missing_files_let_the_artist_stop(tmp_path: Path, hou: Any, main_window: Any) -> None:
    from rfsync_houdini import actions

    build_scene(tmp_path / "proj", hou)
    hou.STATE.answers.append("Cancel")
    assert actions.menu("upload_scene_assets") is None
    assert not (tmp_path / "farm").exists()


def test_submit_button_on_the_rop_uploads_to_s3(tmp_path: Path, qtbot: Any, hou: Any, main_window: Any,
                                                 s3_platform: str, s3_server: Any, s3_bucket: str) -> None:
    """Press "Submit" on the ROP (platform parm = the S3 platform): assets for frames 1–3, then the configs."""
    hip = build_scene(tmp_path / "proj", hou)
    rop = hou.node("/out/rfsync1")
    rop.parm("platform").set(s3_platform)
    hou.hipFile.save()
    hou.STATE.answers.append("Submit anyway")
    before = active_panels()
    rop.parm("submit").pressButton()
    assert new_panels(before) == []  # deferred: the parameter callback returned at once
    assert hou.STATE.run_deferred() == 1
    (panel,) = new_panels(before)
    qtbot.addWidget(panel)
    wait_final(qtbot, panel)
    assert panel.state == DONE, panel.status_label.text()
    root = s3_server.root / s3_bucket / "farm"
    (task_dir,) = list((root / "tasks").iterdir())
    task = json.loads((task_dir / "cfg" / "task.json").read_text())
    assert task["scene"] == str(hip) and task["frames"] == "1-3"
    for rel in EXPECTED_ROP_FOUND:
        local = Path(os.path.normpath(tmp_path / "proj" / rel))
        assert (root / "input" / str(local).lstrip("/")).read_bytes() == local.read_bytes()
    sim5 = tmp_path / "proj" / "geo" / "sim.0005.bgeo.sc"
    assert not (root / "input" / str(sim5).lstrip("/")).exists()  # outside the ROP's frame range
    tips = json.loads((task_dir / "cfg" / "tips.json").read_text())
    assert tips["missing"] == [f"{tmp_path / 'proj'}/tex/missing.exr"]


def test_upload_button_on_the_rop(tmp_path: Path, qtbot: Any, hou: Any, main_window: Any) -> None:
    build_scene(tmp_path / "proj", hou)
    hou.node("/mat/lost").destroy()
    hou.hipFile.save()
    before = active_panels()
    hou.node("/out/rfsync1").parm("upload").pressButton()
    hou.STATE.run_deferred()
    (panel,) = new_panels(before)
    qtbot.addWidget(panel)
    wait_final(qtbot, panel)
    assert panel.state == DONE, panel.status_label.text()
    assert hou.STATE.messages == []  # nothing missing, nothing asked
    farm = tmp_path / "farm" / "input"
    assert (farm / str(tmp_path / "proj" / "geo" / "sim.0003.bgeo.sc").lstrip("/")).is_file()
    assert not (farm / str(tmp_path / "proj" / "geo" / "sim.0004.bgeo.sc").lstrip("/")).exists()


def test_submit_menu_needs_exactly_one_submit_rop(tmp_path: Path, hou: Any, main_window: Any) -> None:
    from rfsync_houdini import actions

    build_scene(tmp_path / "proj", hou)
    hou.node("/out").createNode("rfsync_submit", "second")
    hou.hipFile.save()
    assert actions.menu("submit_scene") is None
    assert "Several RFSync Submit ROPs" in hou.STATE.messages[-1]["text"]
    assert actions.submit_rops()[0].path() == "/out/rfsync1"
    hou.node("/out/second").setSelected(True)
    assert [n.path() for n in actions.submit_rops()] == ["/out/second"]  # the selection wins


def test_bad_settings_file_is_a_message_not_a_traceback(tmp_path: Path, hou: Any, main_window: Any) -> None:
    from rfsync_houdini import actions

    from rfsync_core import TransferSettings

    build_scene(tmp_path / "proj", hou)
    hou.node("/mat/lost").destroy()
    hou.hipFile.save()
    Path(TransferSettings.path()).parent.mkdir(parents=True, exist_ok=True)
    Path(TransferSettings.path()).write_text("{not json", encoding="utf-8")
    assert actions.menu("upload_scene_assets") is None
    (message,) = hou.STATE.messages
    assert "host settings" in message["text"] and message["severity"] is hou.severityType.Error


def test_unexpected_error_shows_details(hou: Any, main_window: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from rfsync_houdini import actions

    def broken() -> None:
        raise KeyError("boom")

    monkeypatch.setitem(actions.MENU_ACTIONS, "upload_scene_assets", broken)
    assert actions.menu("upload_scene_assets") is None
    (message,) = hou.STATE.messages
    assert "boom" in message["text"] and "Traceback" in message["details"]


def test_show_transfers_without_any(hou: Any, main_window: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from rfsync_houdini import actions

    from rfsync_core.ui import history

    monkeypatch.setattr(history, "_SESSION", [])  # transfers that ended in earlier tests are listed too
    if active_panels():
        pytest.skip("panels from other tests are still open")
    assert actions.menu("show_transfers") == 0
    assert hou.STATE.messages[0]["text"] == "No transfers are running."


def test_hdefereval_only_imports_with_a_ui(hou: Any) -> None:
    import hdefereval  # type: ignore[import-not-found]

    assert callable(hdefereval.executeDeferred)
    use_fake_hou(ui=False)
    with pytest.raises(ImportError):
        import hdefereval  # type: ignore[import-not-found]


def test_the_status_bar_shows_the_running_transfer(tmp_path: Path, qtbot: Any, hou: Any, main_window: Any) -> None:
    import threading

    from rfsync_houdini import actions

    build_scene(tmp_path / "proj", hou)
    hou.STATE.answers.append("Upload anyway")
    panel = actions.menu("upload_scene_assets")
    assert panel is not None
    qtbot.addWidget(panel)
    wait_final(qtbot, panel)
    assert panel.state == DONE
    texts = [text for text, _severity in hou.STATE.status]
    assert any(t.startswith("rfsync: Upload sh010.hip") and "%" in t for t in texts)
    assert texts[-1] == ""  # cleared once it ended
    assert set(hou.STATE.status_threads) == {threading.main_thread().name}  # main thread only
