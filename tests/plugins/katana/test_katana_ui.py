"""Katana plugin UI: Startup/init.py callbacks, the "RFSync" menu in a real Qt menu bar (idempotent,
GUI only, right Qt binding only), and the menu's actions driving real uploads (S3 server fixture and a
folder platform) through the shared non-modal panel."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

import importlib
import json
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest
from fakes import FAKES_DIR, REPO

Qt = pytest.importorskip("Qt")
if Qt.__binding__ == "PySide2":  # Katana ships PyQt5 (up to 7.5) or PySide6 (8.0 on): hosts.md
    pytest.skip("no Katana ships PySide2", allow_module_level=True)
from Qt import QtCore, QtWidgets  # noqa: E402

from rfsync_core.ui import CANCELLED, DONE, DONE_WITH_ERRORS, FAILED  # noqa: E402

KATANA_RESOURCES = REPO / "plugins" / "katana" / "resources"
FINAL = (DONE, DONE_WITH_ERRORS, CANCELLED, FAILED)
LABELS = ["Upload scene assets", "Submit…", "Download renders…", "Farm jobs…", "Transfers panel", "", "Settings…"]


@pytest.fixture
def katana(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.syspath_prepend(str(KATANA_RESOURCES / "Python"))
    monkeypatch.syspath_prepend(str(FAKES_DIR))
    monkeypatch.setenv("RFSYNC_LOCAL_ROOT", str(tmp_path / "farm"))
    from Katana._state import STATE
    from rfsync_katana import dialogs, startup

    STATE.reset(ui=True)
    monkeypatch.setitem(startup._DONE, "callbacks", False)
    monkeypatch.setitem(startup._DONE, "farm_menu", False)

    def ask(parent: Any, title: str, text: str, level: str, buttons: List[str]) -> str:
        STATE.dialogs.append({"parent": parent, "title": title, "text": text, "buttons": list(buttons)})
        return STATE.answers.pop(0) if STATE.answers else buttons[-1]

    monkeypatch.setattr(dialogs, "ask", ask)
    yield STATE
    STATE.reset(ui=False)


@pytest.fixture
def window(qtbot: Any, katana: Any) -> Any:
    from UI4.App.MainWindow import make_main_window

    win = make_main_window()
    qtbot.addWidget(win)
    katana.main_window = win
    return win


def our_menus(win: Any) -> List[Any]:
    """Our QMenus that are in the menu bar (found the way a user sees them: through its actions)."""
    bar = win.getMenuBar()
    in_bar = bar.actions()
    return [m for m in bar.findChildren(QtWidgets.QMenu)
            if m.objectName() == "rfsyncMenu" and m.menuAction() in in_bar]


def labels(menu: Any) -> List[str]:
    return [a.text() for a in menu.actions()]


def trigger(win: Any, label: str) -> None:
    (menu,) = our_menus(win)
    (action,) = [a for a in menu.actions() if a.text() == label]
    action.trigger()


# -- startup and menu -------------------------------------------------------------------------------

def run_init_py(with_file: bool = True) -> Dict[str, Any]:
    path = KATANA_RESOURCES / "Startup" / "init.py"
    namespace: Dict[str, Any] = {"__name__": "__main__"}
    if with_file:
        namespace["__file__"] = str(path)
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    return namespace


def test_init_py_registers_callbacks_and_the_menu_appears_on_startup_complete(window: Any, katana: Any) -> None:
    namespace = run_init_py()
    assert "_rfsync_startup" not in namespace  # leaves Katana's namespace clean
    assert len(katana.callbacks["onStartup"]) == 1 and len(katana.callbacks["onStartupComplete"]) == 1
    assert our_menus(window) == []  # nothing before the UI is complete
    katana.fire("onStartup")
    assert [text for text, _ in katana.farm_menu] == ["RFSync: Upload scene assets", "RFSync: Submit…"]
    katana.fire("onStartupComplete")
    (menu,) = our_menus(window)
    assert menu.title() == "RFSync" and labels(menu) == LABELS
    run_init_py()  # a resources folder listed twice: still one set of callbacks
    assert len(katana.callbacks["onStartupComplete"]) == 1


def test_farm_entries_appear_even_if_on_startup_fired_before_init_py(window: Any, katana: Any) -> None:
    """hosts.md: whether onStartup has fired when init.py runs is unconfirmed; if it had, only
    onStartupComplete reaches us — the Util > Farm entries must still appear, once."""
    run_init_py()
    katana.fire("onStartupComplete")
    assert [text for text, _ in katana.farm_menu] == ["RFSync: Upload scene assets", "RFSync: Submit…"]
    assert len(our_menus(window)) == 1
    katana.fire("onStartup")  # late after all: nothing twice
    katana.fire("onStartupComplete")
    assert len(katana.farm_menu) == 2 and len(our_menus(window)) == 1


def test_init_py_finds_its_folder_through_katana_resources(window: Any, katana: Any,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KATANA_RESOURCES", os.pathsep.join(["/nowhere", str(KATANA_RESOURCES)]))
    run_init_py(with_file=False)
    katana.fire("onStartupComplete")
    assert len(our_menus(window)) == 1


def test_install_twice_gives_one_menu_and_uninstall_removes_it(qtbot: Any, window: Any, katana: Any) -> None:
    from rfsync_katana import startup

    before = [a.text() for a in window.getMenuBar().actions()]
    first = startup.install()
    second = startup.install()
    assert first is not None and second is not None
    assert our_menus(window) == [second] and labels(second) == LABELS
    titles = [a.text() for a in window.getMenuBar().actions()]
    assert titles == [*before[:-1], "RFSync", "Help"]  # where artists look: just before Help; others untouched
    assert len(window.getMenuBar().findChildren(QtWidgets.QMenu, "rfsyncMenu")) == 1
    assert startup.uninstall() is True
    assert our_menus(window) == [] and startup.uninstall() is False


def test_nothing_is_created_in_script_mode(katana: Any) -> None:
    from rfsync_katana import startup

    katana.ui = False
    assert startup.install() is None and startup.uninstall() is False
    assert startup.register_farm_menu() is False and katana.farm_menu == []


def test_no_main_window_yet_is_not_an_error(katana: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from rfsync_katana import startup

    assert startup.install() is None
    assert "main window does not exist yet" in capsys.readouterr().err


def test_wrong_qt_binding_creates_no_menu(window: Any, katana: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from rfsync_katana import startup

    # a Katana of the other binding than the one Qt.py found
    other, wanted = ("7.5v1", "PyQt5") if Qt.__binding__ == "PySide6" else ("8.0v1", "PySide6")
    katana.version = other
    startup.on_startup_complete(objectHash=1)
    assert our_menus(window) == []
    assert f"QT_PREFERRED_BINDING={wanted}" in capsys.readouterr().err
    from rfsync_katana.menu import run_action

    assert run_action("show_transfers") is None  # e.g. from Util > Farm: refused, not half-run
    assert f"QT_PREFERRED_BINDING={wanted}" in capsys.readouterr().err and katana.dialogs == []


def test_menu_actions_run_and_errors_never_reach_qt(window: Any, katana: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from rfsync_katana import actions, startup

    calls: List[str] = []
    monkeypatch.setattr(actions, "show_transfers", lambda: calls.append("shown"))

    def boom() -> None:
        raise ValueError("bad value")

    monkeypatch.setattr(actions, "upload_scene_assets", boom)
    startup.install()
    trigger(window, "Transfers panel")
    assert calls == ["shown"]
    trigger(window, "Upload scene assets")
    assert katana.dialogs[-1]["text"] == "ValueError: bad value"
    startup.register_farm_menu()
    katana.farm_menu[0][1]()  # Util > Farm entry: same action
    assert len(katana.dialogs) == 2


def test_real_message_box_returns_the_pressed_label(qtbot: Any, window: Any) -> None:
    from rfsync_katana import dialogs

    stand_in = dialogs.ask
    fresh = importlib.reload(dialogs)  # the real ask() again, for this one test
    assert fresh.ask is not stand_in

    def press() -> None:
        box = QtWidgets.QApplication.activeModalWidget()
        assert isinstance(box, QtWidgets.QMessageBox) and box.objectName() == "rfsyncMessageBox"
        (button,) = [b for b in box.buttons() if b.text() == "Cancel"]
        button.click()

    QtCore.QTimer.singleShot(50, press)
    assert fresh.ask(window, "T", "text", "question", ["Save", "Cancel"]) == "Cancel"


# -- actions -------------------------------------------------------------------------------------------

def wait_final(qtbot: Any, panel: Any) -> None:
    qtbot.waitUntil(lambda: panel.state in FINAL and not panel.is_running(), timeout=60000)


def test_unsaved_project_is_refused(window: Any, katana: Any) -> None:
    from rfsync_katana import actions

    assert actions.upload_scene_assets() is None
    assert "Save the project first" in katana.dialogs[0]["text"]
    assert katana.dialogs[0]["parent"] is window


def test_unsaved_changes_ask_to_save_first(tmp_path: Path, window: Any, katana: Any) -> None:
    from Katana._testing import build_scene
    from rfsync_katana import actions

    build_scene(tmp_path)
    katana.add_node("newNode", "Merge")
    katana.answers.append("Cancel")
    assert actions.submit_scene() is None
    assert "unsaved changes" in katana.dialogs[0]["text"] and katana.saves == 1


def test_upload_scene_assets_to_s3_end_to_end(tmp_path: Path, qtbot: Any, window: Any, katana: Any,
                                              s3_platform: str, s3_server: Any, s3_bucket: str) -> None:
    from Katana._testing import EXPECTED_FOUND, build_scene
    from rfsync_katana import actions

    from rfsync_core import TransferSettings

    TransferSettings(platform=s3_platform).save()
    scene = build_scene(tmp_path)
    katana.add_node("newNode", "Merge")  # an unsaved change
    katana.answers += ["Save", "Upload anyway"]
    panel = actions.upload_scene_assets()
    assert panel is not None
    qtbot.addWidget(panel)
    assert katana.saves == 2 and not katana.dirty  # saved before collecting
    assert "missing.exr" in katana.dialogs[1]["text"] and "1 file(s)" in katana.dialogs[1]["text"]
    assert panel.parentWidget() is window and panel.isVisible()
    wait_final(qtbot, panel)
    assert panel.state == DONE, panel.status_label.text()
    root = s3_server.root / s3_bucket / "farm" / "input"
    for rel in EXPECTED_FOUND:
        local = tmp_path / rel
        assert (root / str(local).lstrip("/")).read_bytes() == local.read_bytes()
    assert not (root / str(tmp_path / "unrelated" / "not_used.exr").lstrip("/")).exists()
    assert (scene.parent / "rfsync" / "sh010" / "upload.json").is_file()


def test_missing_files_let_the_artist_stop(tmp_path: Path, window: Any, katana: Any) -> None:
    from Katana._testing import build_scene
    from rfsync_katana import actions

    build_scene(tmp_path)
    katana.answers.append("Cancel")
    assert actions.upload_scene_assets() is None
    assert katana.dialogs[0]["buttons"] == ["Upload anyway", "Cancel"]
    assert not (tmp_path / "farm").exists()


def test_submit_confirms_then_uploads_assets_and_configs(tmp_path: Path, qtbot: Any, window: Any,
                                                         katana: Any) -> None:
    from Katana._testing import build_scene
    from rfsync_katana import actions

    scene = build_scene(tmp_path)
    katana.answers += ["Submit anyway", "Submit"]
    panel = actions.submit_scene(task_id="1732431234567042")
    assert panel is not None
    qtbot.addWidget(panel)
    summary = katana.dialogs[1]["text"]
    assert "Renderer: prman" in summary and "Frames: 1-3" in summary and "Render nodes: beauty" in summary
    wait_final(qtbot, panel)
    assert panel.state == DONE, panel.status_label.text()
    cfg = tmp_path / "farm" / "tasks" / "1732431234567042" / "cfg"
    assert sorted(p.name for p in cfg.iterdir()) == ["asset.json", "task.json", "tips.json", "upload.json"]
    task = json.loads((cfg / "task.json").read_text())
    assert task["scene"] == str(scene) and task["task_id"] == "1732431234567042"
    assert json.loads((cfg / "tips.json").read_text())["missing"] == [f"{tmp_path}/tex/missing.exr"]
    assert (tmp_path / "farm" / "input" / str(scene).lstrip("/")).is_file()


def test_submit_cancelled_at_the_summary_sends_nothing(tmp_path: Path, window: Any, katana: Any) -> None:
    from Katana._testing import build_scene
    from rfsync_katana import actions

    build_scene(tmp_path)
    katana.answers += ["Submit anyway", "Cancel"]
    assert actions.submit_scene(task_id="55") is None
    assert not (tmp_path / "farm").exists()
    assert not (tmp_path / "shots" / "rfsync" / "sh010" / "55").exists()


def test_submit_without_renderer_explains(tmp_path: Path, window: Any, katana: Any) -> None:
    from Katana._testing import build_scene
    from rfsync_katana import actions

    build_scene(tmp_path)
    katana.renderer = ""
    katana.answers += ["Submit anyway", "Submit"]
    assert actions.submit_scene(task_id="56") is None
    assert "renderer" in katana.dialogs[-1]["text"]
    assert not (tmp_path / "farm").exists()


def test_show_transfers_without_transfers(window: Any, katana: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from rfsync_katana import actions

    from rfsync_core.ui import history, panel

    monkeypatch.setattr(panel, "_ACTIVE", [])
    monkeypatch.setattr(history, "_SESSION", [])  # transfers that ended in earlier tests are listed too

    assert actions.show_transfers() == 0
    assert katana.dialogs[0]["text"] == "No transfers are running."


def test_the_main_windows_status_bar_shows_the_running_transfer(tmp_path: Path, qtbot: Any, window: Any,
                                                                 katana: Any) -> None:
    from Katana._testing import build_scene
    from rfsync_katana import actions

    build_scene(tmp_path)
    katana.answers.append("Upload anyway")
    shown: List[Any] = []
    window.statusBar().messageChanged.connect(
        lambda text: shown.append((text, QtCore.QThread.currentThread() is window.thread())))
    panel = actions.upload_scene_assets()
    assert panel is not None
    qtbot.addWidget(panel)
    wait_final(qtbot, panel)
    assert panel.state == DONE
    assert any(text.startswith("rfsync: Upload sh010") and "%" in text for text, _main in shown)
    assert all(main for _text, main in shown)  # written on the main thread only
    assert window.statusBar().currentMessage() == ""  # cleared once it ended
