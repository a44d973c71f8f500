"""Maya plugin UI: menu and shelf (idempotent, interactive only, deferred), and the menu's actions
driving real uploads through the shared panel (fake maya, offscreen Qt, folder platform)."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

import json
from pathlib import Path
from typing import Any, Iterator

import pytest
from fakes import EXPECTED_FOUND, REPO, build_scene, drop_fake_maya, use_fake_maya

pytest.importorskip("Qt")
from Qt import QtCompat, QtWidgets

from rfsync_core.ui import CANCELLED, DONE, DONE_WITH_ERRORS, FAILED

FINAL = (DONE, DONE_WITH_ERRORS, CANCELLED, FAILED)


@pytest.fixture
def maya(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("RFSYNC_LOCAL_ROOT", str(tmp_path / "farm"))
    state = use_fake_maya()
    yield state
    drop_fake_maya()


@pytest.fixture
def main_window(qtbot: Any, maya: Any) -> Any:
    """A real QMainWindow whose C++ pointer the fake MQtUtil.mainWindow() hands out, as Maya does."""
    win = QtWidgets.QMainWindow()
    win.setObjectName("MayaWindow")
    qtbot.addWidget(win)
    ptr = QtCompat.getCppPointer(win)  # Qt.py gives an int (shiboken a tuple)
    maya.main_window_ptr = int(ptr[0] if isinstance(ptr, (tuple, list)) else ptr)
    return win


def shelf_definition() -> dict:
    return json.loads((REPO / "shelf" / "maya" / "rfsync_shelf.json").read_text(encoding="utf-8"))


# -- startup, menu, shelf ----------------------------------------------------------------------------

def test_startup_defers_then_installs_menu_and_shelf(maya: Any) -> None:
    from rfsync_maya import startup

    maya.selected_tab = "Custom"
    assert startup.install_deferred() is True
    assert maya.menus == {} and len(maya.deferred) == 1  # nothing before the UI is ready
    maya.run_deferred()
    menu = maya.menus["rfsyncMenu"]
    assert menu.label == "Render Farm" and menu.parent == "MayaWindow"
    labels = [i["label"] for i in menu.items if not i["divider"]]
    assert labels == ["Upload scene assets", "Submit scene", "Download renders…", "Farm jobs…", "Show transfers",
                      "Settings…"]
    buttons = maya.shelves["RenderFarm"]
    definition = shelf_definition()
    assert list(buttons) == [b["name"] for b in definition["buttons"]]
    upload = buttons["rfsyncUploadSceneAssets"]
    assert upload["label"] == "Upload scene assets" and upload["sourceType"] == "python"
    assert "rfsync_maya.actions.upload_scene_assets()" in upload["command"]
    assert os.path.isfile(upload["image1"])  # the icon beside the definition, absolute
    assert maya.selected_tab == "Custom"  # the artist's shelf tab is kept


def test_install_is_idempotent_and_uninstall_removes(maya: Any) -> None:
    from rfsync_maya import startup

    for _ in range(3):
        assert startup.install() is True
    assert list(maya.menus) == ["rfsyncMenu"]
    assert len(maya.menus["rfsyncMenu"].items) == 7
    assert len(maya.shelves["RenderFarm"]) == 2
    assert startup.uninstall() is True
    assert "rfsyncMenu" not in maya.menus and "RenderFarm" not in maya.shelves
    assert startup.uninstall() is False  # nothing left to remove, no error
    assert "Custom" in maya.shelves


def test_shelf_saved_by_maya_is_reused_without_duplicates(maya: Any) -> None:
    """Maya saves shelves on exit; next session the shelf exists already with our buttons and a user's."""
    from maya import cmds
    from rfsync_maya import menu

    menu.install_shelf()
    top = menu.shelf_top_level()
    cmds.shelfButton("userButton", parent=f"{top}|RenderFarm", label="mine", command="print(1)",
                     sourceType="python")
    menu.install_shelf()
    assert list(maya.shelves["RenderFarm"]) == ["userButton", "rfsyncUploadSceneAssets", "rfsyncSubmitScene"]


def test_buttons_maya_restored_without_names_are_replaced_not_duplicated(maya: Any) -> None:
    """hosts.md: Maya saves shelves without object names; next session our buttons have automatic names."""
    from maya import cmds
    from rfsync_maya import menu

    menu.install_shelf()
    cmds.shelfButton(parent=f"{menu.shelf_top_level()}|RenderFarm", label="mine", command="print(1)",
                     sourceType="python")
    for _ in range(2):
        maya.restart_with_saved_shelves()
        assert "rfsyncUploadSceneAssets" not in maya.shelves["RenderFarm"]  # the fake restores like Maya
        menu.install_shelf()
    buttons = maya.shelves["RenderFarm"]
    assert [b["label"] for b in buttons.values()] == ["mine", "Upload scene assets", "Submit scene"]
    assert list(buttons)[1:] == ["rfsyncUploadSceneAssets", "rfsyncSubmitScene"]


def test_nothing_is_created_in_batch(maya: Any) -> None:
    from rfsync_maya import startup

    maya.batch = True
    assert startup.install_deferred() is False
    assert startup.install() is False and startup.uninstall() is False
    assert maya.deferred == [] and maya.menus == {}


def test_user_setup_only_defers_install(maya: Any) -> None:
    source = (REPO / "plugins" / "maya" / "scripts" / "userSetup.py").read_text(encoding="utf-8")
    namespace: dict = {"__name__": "__main__"}
    exec(compile(source, "userSetup.py", "exec"), namespace)
    assert maya.menus == {} and len(maya.deferred) == 1
    assert "_rfsync_startup" not in namespace  # leaves Maya's __main__ clean
    maya.run_deferred()
    assert "rfsyncMenu" in maya.menus


def test_menu_callbacks_accept_mayas_positional_argument(maya: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from maya import cmds
    from rfsync_maya import actions, startup

    calls: list = []
    monkeypatch.setattr(actions, "show_transfers", lambda: calls.append("shown"))
    startup.install()
    cmds.invoke_menu_item("rfsyncMenu", "Show transfers")
    assert calls == ["shown"]


# -- actions -------------------------------------------------------------------------------------------

def wait_final(qtbot: Any, panel: Any) -> None:
    qtbot.waitUntil(lambda: panel.state in FINAL and not panel.is_running(), timeout=60000)


def test_untitled_scene_is_refused(maya: Any, main_window: Any) -> None:
    from rfsync_maya import actions

    maya.answers.append("OK")
    assert actions.upload_scene_assets() is None
    assert "Save the scene first" in maya.dialogs[0]["message"]


def test_unsaved_changes_ask_to_save_first(tmp_path: Path, maya: Any, main_window: Any) -> None:
    from rfsync_maya import actions

    build_scene(tmp_path / "proj", maya)
    maya.add_node("newNode", "transform")  # an unsaved change
    maya.answers.append("Cancel")
    assert actions.upload_scene_assets() is None
    assert "unsaved changes" in maya.dialogs[0]["message"] and maya.saves == 1


def test_upload_scene_assets_end_to_end(tmp_path: Path, qtbot: Any, maya: Any, main_window: Any) -> None:
    from rfsync_maya import actions

    scene = build_scene(tmp_path / "proj", maya)
    maya.add_node("newNode", "transform")
    maya.answers += ["Save", "Upload anyway"]
    panel = actions.upload_scene_assets()
    assert panel is not None
    qtbot.addWidget(panel)
    assert maya.saves == 2 and not maya.modified  # saved before collecting
    missing_dialog = maya.dialogs[1]
    assert "missing.exr" in missing_dialog["message"] and "1 file(s)" in missing_dialog["message"]
    assert panel.parentWidget() is main_window and panel.isVisible()
    wait_final(qtbot, panel)
    assert panel.state == DONE, panel.status_label.text()
    farm = tmp_path / "farm" / "input"
    for rel in EXPECTED_FOUND:
        local = tmp_path / "proj" / rel
        assert (farm / str(local).lstrip("/")).read_bytes() == local.read_bytes()
    assert (scene.parent / "rfsync" / "sh010" / "upload.json").is_file()


def test_missing_files_let_the_artist_stop(tmp_path: Path, maya: Any, main_window: Any) -> None:
    from rfsync_maya import actions

    build_scene(tmp_path / "proj", maya)
    maya.answers.append("Cancel")
    assert actions.upload_scene_assets() is None
    assert maya.dialogs[0]["buttons"] == ["Upload anyway", "Cancel"]
    assert not (tmp_path / "farm").exists()


def test_submit_scene_uploads_assets_then_configs(tmp_path: Path, qtbot: Any, maya: Any,
                                                  main_window: Any) -> None:
    from rfsync_maya import actions

    scene = build_scene(tmp_path / "proj", maya)
    maya.answers.append("Submit anyway")
    panel = actions.submit_scene(task_id="1732431234567042")
    qtbot.addWidget(panel)
    wait_final(qtbot, panel)
    assert panel.state == DONE, panel.status_label.text()
    assert "Task 1732431234567042 submitted" in panel.status_label.text()
    cfg = tmp_path / "farm" / "tasks" / "1732431234567042" / "cfg"
    assert sorted(p.name for p in cfg.iterdir()) == ["asset.json", "task.json", "tips.json", "upload.json"]
    task = json.loads((cfg / "task.json").read_text())
    assert task["scene"] == str(scene) and task["task_id"] == "1732431234567042"
    assert (tmp_path / "farm" / "input" / str(scene).lstrip("/")).is_file()


def test_submit_refuses_a_used_task_id(tmp_path: Path, qtbot: Any, maya: Any, main_window: Any) -> None:
    from rfsync_maya import actions

    build_scene(tmp_path / "proj", maya)
    used = tmp_path / "farm" / "tasks" / "42" / "cfg"
    used.mkdir(parents=True)
    (used / "task.json").write_text("{}")
    maya.answers.append("Submit anyway")
    panel = actions.submit_scene(task_id="42")
    qtbot.addWidget(panel)
    wait_final(qtbot, panel)
    assert panel.state == FAILED
    assert "already used" in panel.status_label.text()
    assert (used / "task.json").read_text() == "{}"


def test_settings_are_saved_in_rfsync_config(maya: Any, main_window: Any, monkeypatch: pytest.MonkeyPatch,
                                             qtbot: Any) -> None:
    from rfsync_maya import actions

    from rfsync_core.app import TransferSettings
    from rfsync_core.ui import SettingsDialog

    def fake_exec(self: Any) -> int:
        self.speed_spin.setValue(512)
        self.threads_spin.setValue(3)
        self.accept()
        return 1

    monkeypatch.setattr(SettingsDialog, "exec", fake_exec, raising=False)
    monkeypatch.setattr(SettingsDialog, "exec_", fake_exec, raising=False)
    saved = actions.open_settings()
    assert saved == TransferSettings(platform=None, max_speed=512.0, threads=3)
    assert TransferSettings.load() == saved
    assert TransferSettings.path().startswith(os.environ["RFSYNC_CONFIG_DIR"])


def test_download_renders_of_an_unknown_task_fails_clearly(tmp_path: Path, qtbot: Any, maya: Any,
                                                           main_window: Any) -> None:
    from rfsync_maya import actions

    (tmp_path / "farm").mkdir()
    panel = actions.download_renders(task_id="999", local_path=str(tmp_path / "renders"))
    qtbot.addWidget(panel)
    wait_final(qtbot, panel)
    assert panel.state == FAILED
    assert "999" in panel.status_label.text()


def test_download_renders_fetches_done_frames(tmp_path: Path, qtbot: Any, maya: Any, main_window: Any) -> None:
    from rfsync_maya import actions

    farm = tmp_path / "farm"
    frame = farm / "output" / "77_sh010" / "beauty" / "sh010.0001.exr"
    frame.parent.mkdir(parents=True)
    frame.write_bytes(b"pixels")
    status = farm / "tasks" / "77" / "status.json"
    status.parent.mkdir(parents=True)
    status.write_text(json.dumps({
        "schema": 1, "task_id": "77", "scene": "sh010", "state": "done", "output_prefix": "output/77_sh010/",
        "frames": [{"frame": "1", "state": "done", "outputs": ["output/77_sh010/beauty/sh010.0001.exr"]}],
        "updated": "2024-11-24T06:40:12Z"}))
    panel = actions.download_renders(task_id="77", local_path=str(tmp_path / "renders"))
    qtbot.addWidget(panel)
    wait_final(qtbot, panel)
    assert panel.state == DONE, panel.status_label.text()
    assert (tmp_path / "renders" / "77_sh010" / "beauty" / "sh010.0001.exr").read_bytes() == b"pixels"


def test_the_main_progress_bar_shows_the_running_transfer(tmp_path: Path, qtbot: Any, maya: Any,
                                                          main_window: Any) -> None:
    import threading

    from rfsync_maya import actions

    build_scene(tmp_path / "proj", maya)
    maya.answers.append("Upload anyway")
    panel = actions.upload_scene_assets()
    assert panel is not None
    qtbot.addWidget(panel)
    wait_final(qtbot, panel)
    assert panel.state == DONE
    calls = maya.progress_calls
    assert calls[0]["begin"] and not calls[0]["interruptable"] and calls[0]["maxValue"] == 1000
    assert any((c["status"] or "").startswith("rfsync: Upload sh010.ma") and "%" in c["status"] for c in calls)
    assert calls[-1]["end"] and not maya.progress_begun  # ended once the transfer ended
    assert {c["thread"] for c in calls} == {threading.main_thread().name}  # main thread only


def test_a_background_transfer_that_ends_is_said_on_the_command_line(tmp_path: Path, qtbot: Any, maya: Any,
                                                                     main_window: Any,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from rfsync_maya import actions

    build_scene(tmp_path / "proj", maya)
    maya.answers.append("Upload anyway")
    panel = actions.upload_scene_assets()
    assert panel is not None
    qtbot.addWidget(panel)
    monkeypatch.setattr(panel, "ask_close_choice", lambda: "background")
    panel.close()  # still running: its end is queued to this thread's event loop
    assert panel.is_running() and not panel.isVisible()
    wait_final(qtbot, panel)
    assert panel.state == DONE
    collecting, info = maya.infos  # the command line said why Maya was busy before the panel, then the end
    assert collecting == ("rfsync: Collecting the files the scene uses…", threading.main_thread().name)
    assert info == (f"rfsync: Upload sh010.ma — {panel.status_label.text()}", threading.main_thread().name)
    assert maya.progress_calls[-1]["end"] and not maya.progress_begun
