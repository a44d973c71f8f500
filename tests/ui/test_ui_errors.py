"""The panel's error list: name, folder and reason in their own columns, grouped by cause, copied once.

A real folder-platform upload makes the "missing" errors (files deleted after collect); the reasons of the
other causes are the engine's own words (``transfer.upload.state.describe_error`` on the exceptions the
engine meets), replayed into the panel as a finished result.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

from pathlib import Path
from typing import Any, List

import pytest

from rfsync_core.app import TransferSettings, upload_manifest_job, write_upload_manifest
from rfsync_core.errors import ChangedDuringTransferError
from rfsync_core.transfer.upload import UploadResult
from rfsync_core.transfer.upload.state import describe_error as _describe_error

pytest.importorskip("Qt")
from Qt import QtWidgets

from rfsync_core.ui import DONE_WITH_ERRORS, TransferPanel
from rfsync_core.ui.errorlist import cause_of, short_reason, split_path

LONG = "projects/big_feature/seq040/sh0400/publish/textures/v012/udim_sets/hero_character"


def long_files(root: Path, names: List[str]) -> List[str]:
    folder = root / LONG
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name in names:
        p = folder / name
        p.write_bytes(os.urandom(2000))
        out.append(str(p))
    return out


def test_missing_files_show_name_folder_and_reason(qtbot: Any, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RFSYNC_LOCAL_ROOT", str(tmp_path / "farm"))
    files = long_files(tmp_path, [f"skin_{i}.1001.exr" for i in range(5)])
    manifest = write_upload_manifest(str(tmp_path / "work" / "upload.json"), None, files)
    for gone in files[:3]:
        os.unlink(gone)
    panel = TransferPanel("Errors")
    qtbot.addWidget(panel)
    panel.start(upload_manifest_job(manifest, TransferSettings()))
    qtbot.waitUntil(lambda: panel.state and panel.state != "running" and not panel.is_running(), timeout=30000)
    assert panel.state == DONE_WITH_ERRORS
    assert panel.error_list.group_titles() == ["3 missing — moved or deleted after collect"]
    rows = panel.error_list.rows()
    assert sorted(r[0] for r in rows) == ["skin_0.1001.exr", "skin_1.1001.exr", "skin_2.1001.exr"]
    for name, folder, reason in rows:
        assert folder == str(tmp_path / LONG)
        assert reason and LONG not in reason and name not in reason  # the reason alone, visible
    group = panel.error_list.topLevelItem(0)
    assert group.child(0).toolTip(0) in files[:3]  # the full path in the tooltip
    panel.copy_errors()
    copied = QtWidgets.QApplication.clipboard().text().splitlines()
    assert len(copied) == 3
    for line in copied:
        path, reason = line.split("\t")
        assert path in files[:3] and path not in reason  # each path once


def test_errors_grouped_by_cause_with_counts(qtbot: Any, tmp_path: Path) -> None:
    base = str(tmp_path / LONG)
    failed = [
        (f"{base}/a.exr", _describe_error(f"{base}/a.exr", FileNotFoundError(2, "No such file"))),
        (f"{base}/b.exr", _describe_error(f"{base}/b.exr", PermissionError(13, "Permission denied"))),
        (f"{base}/c.exr", _describe_error(f"{base}/c.exr", PermissionError(13, "Permission denied"))),
        (f"{base}/d.abc", _describe_error(f"{base}/d.abc", ChangedDuringTransferError(
            f"{base}/d.abc: changed while being uploaded (size 10 → 12, mtime changed: True); not recorded"))),
        (f"{base}/e.abc", _describe_error(f"{base}/e.abc", OSError(5, "Input/output error"))),
    ]
    panel = TransferPanel("Replay")
    qtbot.addWidget(panel)
    panel.show_result(UploadResult(uploaded=[], failed=failed, duration=1.0))
    assert panel.state == DONE_WITH_ERRORS
    assert panel.error_list.group_titles() == [
        "1 missing — moved or deleted after collect",
        "2 unreadable — permission denied",
        "1 changed while sending",
        "1 other",
    ]
    reasons = [r[2] for r in panel.error_list.rows()]
    assert all(base not in r for r in reasons)
    assert reasons[1] == "cannot read: permission denied"


def test_reason_helpers() -> None:
    assert short_reason("/p/x.exr", "/p/x.exr: file not found") == "file not found"
    assert short_reason("task 1 frame 3", "frame failed on the farm") == "frame failed on the farm"
    assert split_path("D:\\proj\\tex\\wood.exr") == ("wood.exr", "D:\\proj\\tex")
    assert split_path("123_sh010/beauty/f.0001.exr") == ("f.0001.exr", "123_sh010/beauty")
    assert cause_of("file was deleted during upload") == "missing"
    assert cause_of("HTTP 500 from the server") == "other"


def test_reveal_in_folder_and_copy_path_of_one_row(qtbot: Any, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RFSYNC_LOCAL_ROOT", str(tmp_path / "farm"))
    files = long_files(tmp_path, ["skin_0.1001.exr", "skin_1.1001.exr"])
    manifest = write_upload_manifest(str(tmp_path / "work" / "upload.json"), None, files)
    os.unlink(files[0])
    panel = TransferPanel("Errors")
    qtbot.addWidget(panel)
    urls: List[Any] = []
    panel.error_list.open_url = urls.append  # the seam: the URL a file manager would be given
    panel.start(upload_manifest_job(manifest, TransferSettings()))
    qtbot.waitUntil(lambda: panel.state and panel.state != "running" and not panel.is_running(), timeout=30000)
    assert not panel.reveal_button.isEnabled() and not panel.copy_path_button.isEnabled()  # nothing selected
    row = panel.error_list.topLevelItem(0).child(0)
    panel.error_list.setCurrentItem(row)
    assert panel.reveal_button.isEnabled() and panel.copy_path_button.isEnabled()
    panel.reveal_button.click()
    assert [u.toLocalFile() for u in urls] == [str(tmp_path / LONG)]  # the folder, the file being gone
    panel.copy_path_button.click()
    assert QtWidgets.QApplication.clipboard().text() == files[0]


def test_reveal_folder_of_a_moved_folder_or_a_storage_key(tmp_path: Path) -> None:
    from rfsync_core.ui.errorlist import reveal_folder

    assert reveal_folder(str(tmp_path / "gone" / "deeper" / "a.exr")) == str(tmp_path)  # nearest that exists
    assert reveal_folder("123_sh010/beauty/beauty.0001.exr") == ""  # a storage key: nothing local to show
    assert reveal_folder("/no_such_top_folder/a.exr") == ""  # never the file system's root
