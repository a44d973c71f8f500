"""The preflight dialog before an upload, on real files: grouped by cause, errors block unless overridden,
"Copy list" copies every finding; and the host flow asks it before anything is written or sent."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

from pathlib import Path
from typing import Any, List

import pytest

pytest.importorskip("Qt")
from Qt import QtCore, QtWidgets

from rfsync_core.preflight import PreflightSettings, preflight
from rfsync_core.ui.preflight import PreflightDialog, confirm_preflight


def files(root: Path) -> List[str]:
    root.mkdir(parents=True, exist_ok=True)
    out = []
    for name, data in (("empty.exr", b""), ("wood.exr", b"w"), ("gone_never_made.exr", None)):
        path = root / name
        if data is not None:
            path.write_bytes(data)
        out.append(str(path))
    return out


def test_grouped_by_cause_and_errors_block_until_overridden(qtbot: Any, tmp_path: Path) -> None:
    report = preflight(files(tmp_path / "proj"))
    dialog = PreflightDialog(report, "Upload")
    qtbot.addWidget(dialog)
    groups = [dialog.tree.topLevelItem(i).text(0) for i in range(dialog.tree.topLevelItemCount())]
    assert groups == ["1 missing — not on disk (error)", "1 empty files (0 bytes) (warning)"]
    assert dialog.tree.topLevelItem(0).child(0).text(0) == "gone_never_made.exr"
    assert not dialog.upload_button.isEnabled() and dialog.override.isVisibleTo(dialog)
    dialog.override.setChecked(True)
    assert dialog.upload_button.isEnabled()
    dialog.override.setChecked(False)
    assert not dialog.upload_button.isEnabled()


def test_strict_blocks_on_warnings_and_copy_list_copies_all(qtbot: Any, tmp_path: Path) -> None:
    paths = files(tmp_path / "proj")[:2]
    report = preflight(paths)
    relaxed = PreflightDialog(report, "Upload")
    strict = PreflightDialog(report, "Upload", strict=True)
    qtbot.addWidget(relaxed)
    qtbot.addWidget(strict)
    assert relaxed.upload_button.isEnabled() and not strict.upload_button.isEnabled()
    relaxed.copy_button.click()
    copied = QtWidgets.QApplication.clipboard().text()
    assert "WARNING zero_bytes" in copied and paths[0] in copied


def test_confirm_answers_the_buttons(qtbot: Any, tmp_path: Path) -> None:
    report = preflight(files(tmp_path / "proj"), PreflightSettings())

    def press(name: str, override: bool = False) -> None:
        dialog = next(w for w in QtWidgets.QApplication.topLevelWidgets()
                      if isinstance(w, PreflightDialog) and w.isVisible())
        if override:
            dialog.override.setChecked(True)
        getattr(dialog, name).click()

    QtCore.QTimer.singleShot(0, lambda: press("cancel_button"))
    assert confirm_preflight(report, "Upload") is False
    QtCore.QTimer.singleShot(0, lambda: press("upload_button", override=True))
    assert confirm_preflight(report, "Upload") is True
    QtCore.QTimer.singleShot(0, lambda: press("upload_button"))  # only the warning is left: no override needed
    assert confirm_preflight(report, "Upload", skip_codes=("missing",)) is True
    assert confirm_preflight(preflight([str(tmp_path / "proj" / "wood.exr")]), "Upload") is True  # nothing shown


class _Host:
    """The smallest HostAdapter: a saved scene and its files, no questions asked."""

    name = "desk"

    def __init__(self, window: Any, scene: str, assets: List[str]) -> None:
        self.window, self.scene, self.assets = window, scene, assets

    def host_version(self) -> str:
        return "1"

    def scene_path(self) -> str:
        return self.scene

    def scene_modified(self) -> bool:
        return False

    def save_scene(self) -> None:
        pass

    def collect_assets(self) -> Any:
        from rfsync_core.app import CollectResult

        return CollectResult(found=sorted([self.scene, *self.assets]))

    def main_window(self) -> Any:
        return self.window

    def is_batch(self) -> bool:
        return False

    def show_message(self, title: str, text: str, level: str = "info", buttons: Any = ("OK",)) -> str:
        return list(buttons)[-1]


def test_the_host_flow_shows_the_report_before_anything_is_written(qtbot: Any, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from rfsync_core.ui import HostActions, HostWords

    monkeypatch.setenv("RFSYNC_LOCAL_ROOT", str(tmp_path / "farm"))
    proj = tmp_path / "proj"
    proj.mkdir()
    scene = proj / "sh010.desk"
    scene.write_text("scene")
    empty = proj / "empty.exr"
    empty.write_bytes(b"")
    window = QtWidgets.QMainWindow()
    qtbot.addWidget(window)
    host = _Host(window, str(scene), [str(empty)])
    actions: HostActions[Any] = HostActions(lambda: host, HostWords(title="Desk", noun="sketch", save_hint="-",
                                                                   reopen_hint="-", after_submit="-"))
    seen: List[str] = []

    def answer(button: str) -> None:
        dialog = next(w for w in QtWidgets.QApplication.topLevelWidgets()
                      if isinstance(w, PreflightDialog) and w.isVisible())
        seen.append(dialog.tree.topLevelItem(0).text(0))
        getattr(dialog, button).click()

    QtCore.QTimer.singleShot(0, lambda: answer("cancel_button"))
    assert actions.upload_scene_assets() is None
    assert seen == ["1 empty files (0 bytes) (warning)"]
    assert not (proj / "rfsync").exists() and not (tmp_path / "farm").exists()  # nothing written, nothing sent
    QtCore.QTimer.singleShot(0, lambda: answer("upload_button"))
    panel = actions.upload_scene_assets()
    assert panel is not None
    qtbot.addWidget(panel)
    qtbot.waitUntil(lambda: not panel.is_running(), timeout=60000)
    assert (tmp_path / "farm" / "input" / str(empty).lstrip("/")).is_file()


class _ProjectHost(_Host):
    """A host that knows its project folder and its render range (the optional HostAdapter hooks)."""

    def __init__(self, window: Any, scene: str, assets: List[str], project: str, frames: str) -> None:
        super().__init__(window, scene, assets)
        self.project, self.frames = project, frames

    def project_root(self) -> str:
        return self.project

    def render_frames(self) -> str:
        return self.frames


def test_the_panels_preflight_knows_the_project_frames_roots_and_speed_cap(qtbot: Any, tmp_path: Path) -> None:
    from conftest import write_platforms

    from rfsync_core.config.settings import TransferSettings
    from rfsync_core.ui import HostActions, HostWords

    write_platforms(Path(os.environ["RFSYNC_CONFIG_DIR"]), {"studio": {
        "engine": "folder", "root": str(tmp_path / "farm"), "roots": [str(tmp_path / "library")]}})
    TransferSettings(platform="studio", max_speed=512.0).save()
    proj, library, desktop = tmp_path / "proj", tmp_path / "library", tmp_path / "desktop"
    for folder in (proj, library, desktop):
        folder.mkdir()
    scene = proj / "sh010.desk"
    scene.write_text("scene")
    sim = [proj / f"sim.{f:04d}.abc" for f in (1, 2, 3, 5)]
    for path in [*sim, library / "chair.usd", desktop / "stray.exr"]:
        path.write_bytes(b"x")
    window = QtWidgets.QMainWindow()
    qtbot.addWidget(window)
    host = _ProjectHost(window, str(scene), [str(p) for p in sim] + [str(library / "chair.usd"),
                                                                    str(desktop / "stray.exr")], str(proj), "1-5")
    actions: HostActions[Any] = HostActions(lambda: host, HostWords(title="Desk", noun="sketch", save_hint="-",
                                                                   reopen_hint="-", after_submit="-"))
    settings = actions.preflight_settings(host)
    assert (settings.project_root, list(settings.roots), settings.max_speed) == (str(proj), [str(library)], 512.0)
    assert list(settings.frames or ()) == [1, 2, 3, 4, 5]
    shown: List[str] = []

    def answer() -> None:
        dialog = next(w for w in QtWidgets.QApplication.topLevelWidgets()
                      if isinstance(w, PreflightDialog) and w.isVisible())
        root = dialog.tree.invisibleRootItem()
        for i in range(root.childCount()):
            group = root.child(i)
            shown.extend([group.text(0)] + [group.child(j).text(0) for j in range(group.childCount())])
        dialog.cancel_button.click()

    QtCore.QTimer.singleShot(0, answer)
    assert actions.upload_scene_assets() is None
    text = "\n".join(shown)
    assert "1 frames missing from the render range (error)" in shown  # frame 4 of the render's 1-5
    assert "sim.####.abc" in text
    assert "1 outside the project and the platform's roots (warning)" in shown
    assert "stray.exr" in text and "chair.usd" not in text
    assert not (tmp_path / "farm").exists()
