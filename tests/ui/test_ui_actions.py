"""The one interactive flow of the host plugins (``rfsync_core.ui.actions``), through a minimal host written
here: a real scene file and real assets on disk, a real main window, dialogs answered from a list. The
engine is not mocked: uploads, submits and downloads go to the folder platform.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

import ast
import json
import threading
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

import pytest
from testpaths import REPO

from rfsync_core.app import CollectResult, TaskInfo, TransferSettings, collect_files
from rfsync_core.errors import FarmError

pytest.importorskip("Qt")
from Qt import QtCore, QtWidgets

from rfsync_core.ui import (
    CANCELLED,
    DONE,
    DONE_WITH_ERRORS,
    FAILED,
    HostActions,
    HostWords,
    SettingsDialog,
)

FINAL = (DONE, DONE_WITH_ERRORS, CANCELLED, FAILED)
WORDS = HostWords(title="Desk", noun="sketch", save_hint="File > Keep As…", reopen_hint="Desk > Transfers",
                  after_submit="Desk > Fetch brings the frames back.")


class DeskHost:
    """A host adapter (the ``HostAdapter`` protocol) for a scene that is a file with a list of assets."""

    name = "desk"

    def __init__(self, window: Any) -> None:
        self.window = window
        self.scene: Optional[str] = None
        self.assets: List[str] = []
        self.modified = False
        self.saves = 0
        self.warnings: List[str] = []
        self.answers: List[str] = []
        self.messages: List[Dict[str, Any]] = []

    def host_version(self) -> str:
        return "1.0"

    def scene_path(self) -> Optional[str]:
        return self.scene

    def scene_modified(self) -> bool:
        return self.modified

    def save_scene(self) -> None:
        self.saves += 1
        self.modified = False

    def collect_assets(self) -> CollectResult:
        found, missing = collect_files([*([self.scene] if self.scene else []), *self.assets])
        return CollectResult(found=found, missing=missing, warnings=list(self.warnings))

    def main_window(self) -> Any:
        return self.window

    def is_batch(self) -> bool:
        return False

    def show_message(self, title: str, text: str, level: str = "info", buttons: Sequence[str] = ("OK",)) -> str:
        self.messages.append({"title": title, "text": text, "level": level, "buttons": list(buttons)})
        return self.answers.pop(0) if self.answers else list(buttons)[-1]

    def task_info(self, task_id: str, scene: str) -> TaskInfo:
        return TaskInfo(task_id=task_id, scene=scene, host=self.name, host_version="1.0", renderer="pencil",
                        frames="1-3", layers=["ink"])


class DeskActions(HostActions[DeskHost]):
    """The flow bound to the desk host, every hook recorded (what a plugin's actions.py holds)."""

    def __init__(self, host: DeskHost, words: HostWords = WORDS) -> None:
        super().__init__(lambda: host, words)
        self.events: List[str] = []
        self.submit_answer = True
        self.unexpected: List[Dict[str, str]] = []

    def task_info(self, host: DeskHost, task_id: str, scene: str) -> TaskInfo:
        self.events.append("task_info")
        return host.task_info(task_id, scene)

    def collect(self, host: DeskHost) -> CollectResult:
        self.events.append("collect")
        return super().collect(host)

    def confirm_submit(self, host: DeskHost, scene: str, info: TaskInfo, collected: CollectResult) -> bool:
        self.events.append(f"confirm_submit {info.task_id} {len(collected.found)}")
        return self.submit_answer

    def announce(self, host: DeskHost, title: str) -> None:
        self.events.append(f"announce {title}")

    def show_unexpected(self, host: DeskHost, text: str, details: str) -> None:
        self.unexpected.append({"text": text, "details": details})
        super().show_unexpected(host, text, details)


@pytest.fixture
def farm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RFSYNC_LOCAL_ROOT", str(tmp_path / "farm"))
    return tmp_path / "farm"


@pytest.fixture
def host(qtbot: Any, farm: Path) -> DeskHost:
    window = QtWidgets.QMainWindow()
    qtbot.addWidget(window)
    return DeskHost(window)


@pytest.fixture
def actions(host: DeskHost) -> DeskActions:
    return DeskActions(host)


def sketch(host: DeskHost, root: Path, missing: bool = False) -> Path:
    """A saved scene with a UDIM texture set and a cache (and, if asked, a texture that is not there)."""
    for rel in ("tex/paper.1001.exr", "tex/paper.1002.exr", "cache/strokes.abc"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(rel.encode())
    scene = root / "shots" / "sh010.desk"
    scene.parent.mkdir(parents=True, exist_ok=True)
    scene.write_text("desk scene\n")
    host.scene = str(scene)
    host.assets = [str(root / "tex" / "paper.<UDIM>.exr"), str(root / "cache" / "strokes.abc")]
    if missing:
        host.assets.append(str(root / "tex" / "missing.exr"))
    return scene


def on_farm(farm: Path, local: Path) -> Path:
    return farm / "input" / str(local).lstrip("/")


def wait_final(qtbot: Any, panel: Any) -> None:
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: panel.state in FINAL and not panel.is_running(), timeout=60000)


# -- before anything is sent ------------------------------------------------------------------------

def test_a_scene_never_saved_is_refused_in_the_hosts_words(host: DeskHost, actions: DeskActions) -> None:
    assert actions.upload_scene_assets() is None
    assert actions.submit_scene() is None
    assert [m["text"] for m in host.messages] == [
        "Save the sketch first (File > Keep As…): the farm needs a saved sketch to render."] * 2
    assert host.messages[0]["title"] == "Desk" and host.messages[0]["level"] == "warning"
    assert actions.events == []  # nothing collected, no task read


def test_unsaved_changes_are_saved_first_and_an_unsure_host_says_may_have(tmp_path: Path, host: DeskHost,
                                                                          qtbot: Any) -> None:
    sketch(host, tmp_path / "proj")
    host.modified = True
    sure = DeskActions(host)
    assert sure.upload_scene_assets() is None  # no answer: the last button, Cancel
    assert "The sketch has unsaved changes" in host.messages[-1]["text"] and host.saves == 0
    unsure = DeskActions(host, HostWords(**{**WORDS.__dict__, "maybe_modified": True}))
    host.answers.append("Save")
    panel = unsure.upload_scene_assets()
    assert panel is not None
    wait_final(qtbot, panel)
    assert "The sketch may have unsaved changes" in host.messages[-1]["text"]
    assert host.saves == 1 and panel.state == DONE, panel.status_label.text()


def test_missing_files_let_the_artist_stop_before_anything_is_sent(tmp_path: Path, farm: Path, host: DeskHost,
                                                                    actions: DeskActions) -> None:
    scene = sketch(host, tmp_path / "proj", missing=True)
    assert actions.upload_scene_assets() is None
    (question,) = host.messages
    assert question["title"] == "Desk: missing files" and question["buttons"] == ["Upload anyway", "Cancel"]
    assert "1 file(s) the sketch refers to were not found" in question["text"]
    assert "missing.exr" in question["text"] and "Upload the 4 file(s) that were found anyway?" in question["text"]
    assert not farm.exists() and not (scene.parent / "rfsync").exists()


def test_collecting_is_said_in_the_hosts_status_line_under_a_wait_cursor(tmp_path: Path, farm: Path, qtbot: Any,
                                                                         host: DeskHost) -> None:
    """Collecting reads the host's scene on its main thread before any panel exists: the host's own line says
    why the host is busy, and the cursor waits, only while collecting (cleared before the first question)."""
    sketch(host, tmp_path / "proj", missing=True)
    lines: List[str] = []
    seen: Dict[str, Any] = {}

    class Collecting(DeskActions):
        def status_writer(self, host: DeskHost) -> Any:
            return lambda text, _fraction: lines.append(text)

        def collect(self, host: DeskHost) -> CollectResult:
            cursor = QtWidgets.QApplication.overrideCursor()
            seen["cursor"] = cursor.shape() if cursor is not None else None
            seen["line"] = lines[-1] if lines else None
            return super().collect(host)

    ask = host.show_message

    def show_message(*args: Any, **kwargs: Any) -> str:
        seen["cursor at the question"] = QtWidgets.QApplication.overrideCursor()
        return ask(*args, **kwargs)

    host.show_message = show_message  # type: ignore[method-assign]
    assert Collecting(host).upload_scene_assets() is None  # stopped at the missing files' question
    assert seen == {"cursor": QtCore.Qt.CursorShape.WaitCursor, "line": "rfsync: Collecting the files the sketch uses…",
                    "cursor at the question": None}
    assert lines == ["rfsync: Collecting the files the sketch uses…", ""]
    assert len(host.messages) == 1 and host.messages[0]["title"] == "Desk: missing files"


# -- upload, submit, download ---------------------------------------------------------------------------

def test_upload_sends_the_scene_and_its_files_in_a_panel_over_the_host_window(
        tmp_path: Path, farm: Path, qtbot: Any, host: DeskHost, actions: DeskActions,
        capsys: pytest.CaptureFixture[str]) -> None:
    scene = sketch(host, tmp_path / "proj", missing=True)
    host.warnings = ["strokes.abc: an odd cache"]
    host.answers.append("Upload anyway")
    panel = actions.upload_scene_assets()
    assert panel is not None
    assert panel.parentWidget() is host.window and panel.isVisible()  # non-modal, over the host
    assert panel.reopen_hint == "Desk > Transfers"
    assert actions.events == ["collect", "announce Upload sh010.desk"]
    assert "rfsync: warning: strokes.abc: an odd cache" in capsys.readouterr().out
    wait_final(qtbot, panel)
    assert panel.state == DONE, panel.status_label.text()
    assert panel.status_label.text() == "Done: sh010.desk and its files are on the farm's storage."
    root = tmp_path / "proj"
    for local in (scene, root / "tex" / "paper.1001.exr", root / "tex" / "paper.1002.exr",
                  root / "cache" / "strokes.abc"):
        assert on_farm(farm, local).read_bytes() == local.read_bytes()
    manifest = json.loads((scene.parent / "rfsync" / "sh010" / "upload.json").read_text())
    assert [e["local"] for e in manifest["scene"]] == [str(scene)]


def test_submit_reads_the_task_first_then_sends_assets_and_configs(tmp_path: Path, farm: Path, qtbot: Any,
                                                                  host: DeskHost, actions: DeskActions) -> None:
    scene = sketch(host, tmp_path / "proj")
    panel = actions.submit_scene(task_id="1732431234567042")
    assert panel is not None
    assert actions.events == ["task_info", "collect", "confirm_submit 1732431234567042 4",
                              "announce Submit sh010 (task 1732431234567042)"]
    wait_final(qtbot, panel)
    assert panel.state == DONE, panel.status_label.text()
    assert panel.status_label.text() == "Task 1732431234567042 submitted: the farm will render frames 1-3."
    assert panel.next_label.text() == "Desk > Fetch brings the frames back."
    cfg = farm / "tasks" / "1732431234567042" / "cfg"
    assert sorted(p.name for p in cfg.iterdir()) == ["asset.json", "task.json", "tips.json", "upload.json"]
    task = json.loads((cfg / "task.json").read_text())
    assert task["scene"] == str(scene) and task["renderer"] == "pencil"
    assert (scene.parent / "rfsync" / "sh010" / "1732431234567042" / "task.json").is_file()
    assert on_farm(farm, scene).is_file()


def test_submit_stopped_at_the_last_question_writes_and_sends_nothing(tmp_path: Path, farm: Path,
                                                                      host: DeskHost, actions: DeskActions) -> None:
    scene = sketch(host, tmp_path / "proj")
    actions.submit_answer = False
    assert actions.submit_scene(task_id="55") is None
    assert not farm.exists() and not (scene.parent / "rfsync").exists()
    assert actions.events[-1] == "confirm_submit 55 4"


def test_download_asks_for_the_task_and_the_folder(tmp_path: Path, farm: Path, qtbot: Any, host: DeskHost,
                                                   actions: DeskActions, monkeypatch: pytest.MonkeyPatch) -> None:
    frame = farm / "output" / "77_sh010" / "beauty" / "sh010.0001.exr"
    frame.parent.mkdir(parents=True)
    frame.write_bytes(b"pixels")
    status = farm / "tasks" / "77" / "status.json"
    status.parent.mkdir(parents=True)
    status.write_text(json.dumps({
        "schema": 1, "task_id": "77", "scene": "sh010", "state": "done", "output_prefix": "output/77_sh010/",
        "frames": [{"frame": "1", "state": "done", "outputs": ["output/77_sh010/beauty/sh010.0001.exr"]}],
        "updated": "2024-11-24T06:40:12Z"}))
    asked: List[Any] = []

    def get_text(parent: Any, title: str, label: str) -> Any:
        asked.append((parent, title))
        return (" 77 , ", True)

    def get_folder(parent: Any, title: str, start: str) -> str:
        asked.append((parent, title))
        return str(tmp_path / "renders")

    monkeypatch.setattr(QtWidgets.QInputDialog, "getText", staticmethod(get_text))
    monkeypatch.setattr(QtWidgets.QFileDialog, "getExistingDirectory", staticmethod(get_folder))
    panel = actions.download_renders()
    assert panel is not None
    assert asked == [(host.window, "Download renders"), (host.window, "Download renders into")]
    wait_final(qtbot, panel)
    assert panel.state == DONE, panel.status_label.text()
    assert (tmp_path / "renders" / "77_sh010" / "beauty" / "sh010.0001.exr").read_bytes() == b"pixels"
    monkeypatch.setattr(QtWidgets.QInputDialog, "getText", staticmethod(lambda *a: ("", False)))
    assert actions.download_renders() is None  # the artist cancelled the question


def test_download_of_an_unknown_task_fails_in_the_panel(tmp_path: Path, farm: Path, qtbot: Any,
                                                        actions: DeskActions) -> None:
    farm.mkdir()
    panel = actions.download_renders(task_id="999", local_path=str(tmp_path / "renders"))
    assert panel is not None
    wait_final(qtbot, panel)
    assert panel.state == FAILED and "999" in panel.status_label.text()


# -- errors never reach the host ------------------------------------------------------------------------

def test_an_rfsync_error_is_one_message_in_the_hosts_dialog(tmp_path: Path, farm: Path, host: DeskHost,
                                                            actions: DeskActions,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    sketch(host, tmp_path / "proj")

    def refuse(task_id: str, scene: str) -> TaskInfo:
        raise FarmError("connect something to render")

    monkeypatch.setattr(host, "task_info", refuse)
    assert actions.submit_scene() is None
    assert host.messages == [{"title": "Desk", "text": "connect something to render", "level": "error",
                              "buttons": ["OK"]}]
    assert actions.events == ["task_info"]  # refused before collecting
    Path(TransferSettings.path()).parent.mkdir(parents=True, exist_ok=True)
    Path(TransferSettings.path()).write_text("{not json", encoding="utf-8")
    assert actions.upload_scene_assets() is None
    assert host.messages[-1]["level"] == "error" and "host settings" in host.messages[-1]["text"]
    assert len(host.messages) == 2 and not farm.exists()


def test_an_unexpected_error_is_shown_with_its_traceback(tmp_path: Path, host: DeskHost, actions: DeskActions,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    sketch(host, tmp_path / "proj")

    def broken() -> CollectResult:
        raise KeyError("boom")

    monkeypatch.setattr(host, "collect_assets", broken)
    assert actions.upload_scene_assets() is None
    (shown,) = actions.unexpected
    assert shown["text"] == "KeyError: 'boom'" and "Traceback" in shown["details"]
    assert host.messages[-1] == {"title": "Desk", "text": "KeyError: 'boom'", "level": "error", "buttons": ["OK"]}
    assert "KeyError: 'boom'" in capsys.readouterr().err
    assert actions.guarded(lambda x: x * 2, 21) == 42  # no error: the action's own value


def test_a_binding_without_task_info_cannot_submit(tmp_path: Path, host: DeskHost) -> None:
    sketch(host, tmp_path / "proj")
    bare: HostActions[DeskHost] = HostActions(lambda: host, WORDS)
    assert bare.submit_scene() is None
    assert "cannot submit" in host.messages[-1]["text"]


# -- panels and settings -------------------------------------------------------------------------------------

def test_show_transfers_without_any(host: DeskHost, actions: DeskActions, monkeypatch: pytest.MonkeyPatch) -> None:
    from rfsync_core.ui import history, panel

    monkeypatch.setattr(panel, "_ACTIVE", [])
    monkeypatch.setattr(history, "_SESSION", [])
    assert actions.show_transfers() == 0
    assert host.messages == [{"title": "Desk", "text": "No transfers are running.", "level": "info",
                              "buttons": ["OK"]}]


def test_closing_a_running_panel_names_the_hosts_menu(tmp_path: Path, qtbot: Any, host: DeskHost,
                                                       actions: DeskActions) -> None:
    release = threading.Event()

    def slow_job(progress: Any, cancel: Any) -> Any:
        release.wait(30)
        return None

    panel = actions._show(host, slow_job, "Upload slow", "done")
    qtbot.addWidget(panel)
    seen: List[str] = []

    def answer() -> None:
        box = QtWidgets.QApplication.activeModalWidget()
        assert isinstance(box, QtWidgets.QMessageBox)
        seen.append(box.informativeText())
        (stay,) = [b for b in box.buttons() if b.text() == "Don't close"]
        stay.click()

    QtCore.QTimer.singleShot(50, answer)
    assert panel.ask_close_choice() == "stay"
    assert seen == ["Cancel it, or keep it running in the background? (Desk > Transfers brings this window back.)"]
    release.set()
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=30000)


def test_settings_dialog_opens_with_defaults_over_a_broken_file(host: DeskHost, actions: DeskActions,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    Path(TransferSettings.path()).parent.mkdir(parents=True, exist_ok=True)
    Path(TransferSettings.path()).write_text("{not json", encoding="utf-8")
    parents: List[Any] = []

    def fake_exec(self: Any) -> int:
        parents.append(self.parentWidget())
        assert self.threads_spin.value() == TransferSettings().threads  # the defaults
        self.threads_spin.setValue(3)
        self.accept()
        return 1

    monkeypatch.setattr(SettingsDialog, "exec", fake_exec, raising=False)
    monkeypatch.setattr(SettingsDialog, "exec_", fake_exec, raising=False)
    saved = actions.open_settings()
    assert saved == TransferSettings(platform=None, max_speed=None, threads=3)
    assert TransferSettings.load() == saved and parents == [host.window]
    assert host.messages[0]["level"] == "error"  # the broken file was reported first
    monkeypatch.setattr(SettingsDialog, "exec", lambda self: 0, raising=False)
    assert actions.open_settings() is None  # cancelled


# -- the final state's buttons -----------------------------------------------------------------------------

def test_retry_failed_sends_only_the_failed_files_through_the_flow(tmp_path: Path, farm: Path, qtbot: Any,
                                                                  host: DeskHost, actions: DeskActions) -> None:
    sketch(host, tmp_path / "proj")
    cache = tmp_path / "proj" / "cache" / "strokes.abc"
    gone = tmp_path / "strokes.abc.moved"
    actions.announce = lambda _host, _title: cache.rename(gone)  # type: ignore[method-assign]  # moved after collect
    panel = actions.upload_scene_assets()
    assert panel is not None
    wait_final(qtbot, panel)
    assert panel.state == DONE_WITH_ERRORS
    assert panel.final_buttons.shown() == ["Retry failed", "Run again"]
    gone.rename(cache)
    panel.final_buttons.retry_button.click()
    wait_final(qtbot, panel)
    assert panel.state == DONE, panel.status_label.text()
    assert panel.last_snapshot.files_total == 1  # only the file that failed was sent again
    assert on_farm(farm, cache).read_bytes() == cache.read_bytes()
    assert panel.errors == [] and panel.error_list.rows() == [] and panel.final_buttons.shown() == []


def test_retry_failed_of_a_submit_sends_the_failed_assets_then_the_configs(tmp_path: Path, farm: Path, qtbot: Any,
                                                                           host: DeskHost,
                                                                           actions: DeskActions) -> None:
    sketch(host, tmp_path / "proj")
    cache = tmp_path / "proj" / "cache" / "strokes.abc"
    gone = tmp_path / "strokes.abc.moved"
    actions.announce = lambda _host, _title: cache.rename(gone)  # type: ignore[method-assign]  # moved after collect
    panel = actions.submit_scene(task_id="1732431234567043")
    assert panel is not None
    wait_final(qtbot, panel)
    cfg = farm / "tasks" / "1732431234567043" / "cfg"
    assert panel.state == DONE_WITH_ERRORS and not cfg.exists()  # an asset failed: no config was sent
    gone.rename(cache)
    panel.final_buttons.retry_button.click()
    wait_final(qtbot, panel)
    assert panel.state == DONE, panel.status_label.text()
    # the one failed asset, then the four configs (task.json last): not the three assets that had arrived
    sent = [os.path.basename(p) for p in panel.result.uploaded]
    assert sent[0] == "strokes.abc" and sorted(sent[1:]) == ["asset.json", "task.json", "tips.json", "upload.json"]
    assert sent[-1] == "task.json" and not panel.result.skipped
    assert sorted(p.name for p in cfg.iterdir()) == ["asset.json", "task.json", "tips.json", "upload.json"]
    assert on_farm(farm, cache).read_bytes() == cache.read_bytes()


def test_a_wrong_platform_offers_the_settings_then_runs_again(tmp_path: Path, farm: Path, qtbot: Any,
                                                             host: DeskHost, actions: DeskActions,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    TransferSettings(platform="no-such-farm").save()
    scene = sketch(host, tmp_path / "proj")
    panel = actions.upload_scene_assets()
    assert panel is not None
    wait_final(qtbot, panel)
    assert panel.state == FAILED and "no-such-farm" in panel.status_label.text()
    assert panel.final_buttons.shown() == ["Run again", "Open settings…"]
    opened: List[Any] = []

    def choose_default(self: Any) -> int:  # the artist picks the default platform and presses OK
        opened.append(self.parentWidget())
        self.platform_combo.setCurrentIndex(0)
        self.accept()
        return 1

    monkeypatch.setattr(SettingsDialog, "exec", choose_default, raising=False)
    monkeypatch.setattr(SettingsDialog, "exec_", choose_default, raising=False)
    panel.final_buttons.settings_button.click()
    assert opened == [host.window]  # the flow's settings dialog, not a developer document
    panel.final_buttons.run_again_button.click()
    wait_final(qtbot, panel)
    assert panel.state == DONE, panel.status_label.text()  # with the settings just saved
    assert on_farm(farm, scene).read_bytes() == scene.read_bytes()


def test_a_file_error_offers_no_settings_button(qtbot: Any) -> None:
    from rfsync_core.errors import ConfigError, ManifestError
    from rfsync_core.ui.nextsteps import wants_settings

    assert wants_settings(ConfigError("unknown platform 'x'")) and not wants_settings(ManifestError("bad"))


# -- the flow is written once --------------------------------------------------------------------------------

FLOW_NAMES = {"ensure_saved", "confirm_missing", "write_upload_manifest", "write_task_configs", "upload_manifest_job",
              "submit_job", "download_job", "run_in_panel", "active_panels", "SettingsDialog", "QtWidgets"}


@pytest.mark.parametrize("path", [
    "plugins/maya/scripts/rfsync_maya/actions.py",
    "plugins/houdini/python/rfsync_houdini/actions.py",
    "plugins/katana/resources/Python/rfsync_katana/actions.py",
])
def test_the_plugins_actions_only_bind_the_shared_flow(path: str) -> None:
    tree = ast.parse((REPO / path).read_text(encoding="utf-8"))
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    used |= {a.name for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) for a in n.names}
    assert not used & FLOW_NAMES, f"{path} does the flow's work itself: {sorted(used & FLOW_NAMES)}"
    bases = [b for n in ast.walk(tree) if isinstance(n, ast.ClassDef) for b in n.bases]
    assert any(isinstance(b, ast.Subscript) and getattr(b.value, "id", "") == "HostActions" for b in bases)
