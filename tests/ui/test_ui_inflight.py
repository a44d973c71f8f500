"""The in-flight block: names elided in the middle (full path in the tooltip), a percentage for big files.

A real folder-platform upload of one large file, throttled so the panel sees it in flight; and engine
snapshots (``Progress``) replayed into the panel for the elision, as the worker would deliver them.
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

from rfsync_core.ui import TransferPanel
from rfsync_core.ui.inflight import LARGE_FILE

LONG = "/mnt/studio/projects/showname/sequences/sq040/sh0400/lighting/textures/udim/"


def test_long_names_are_elided_in_the_middle_with_the_full_path_in_the_tooltip(qtbot: Any) -> None:
    panel = TransferPanel("Upload sh0400")
    qtbot.addWidget(panel)
    panel.resize(560, 460)
    panel.show()
    names = tuple(f"{LONG}wood_diffuse_{i:04d}.exr" for i in range(8))
    panel.on_progress(Progress(files_total=8, current=names))
    rows = panel.in_flight.rows()
    assert [tip for _shown, tip, _pct in rows] == list(names[:6])
    for (shown, _tip, _pct), name in zip(rows, names):
        assert "…" in shown and shown != name
        assert shown.startswith("/mnt/") and shown.endswith(name[-12:])  # the end that tells them apart
    assert panel.in_flight.more.text() == "… and 2 more"


def test_a_large_file_in_flight_shows_its_own_percentage(qtbot: Any, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RFSYNC_LOCAL_ROOT", str(tmp_path / "farm"))
    big = tmp_path / "cache" / "sim.abc"
    big.parent.mkdir()
    big.write_bytes(os.urandom(LARGE_FILE + 1024 * 1024))
    manifest = write_upload_manifest(str(tmp_path / "work" / "upload.json"), None, [str(big)])
    panel = TransferPanel("Upload sim")
    qtbot.addWidget(panel)
    panel.show()
    seen: List[str] = []

    def record(_snap: Any) -> None:
        seen.extend(pct for _s, tip, pct in panel.in_flight.rows() if tip == str(big) and pct)

    panel.start(upload_manifest_job(manifest, TransferSettings(max_speed=3000, threads=2)))
    panel._runner.progress.connect(record)  # type: ignore[union-attr]  # after the panel's own slot
    qtbot.waitUntil(lambda: panel.state not in ("", "running") and not panel.is_running(), timeout=60000)
    assert panel.state == "done"
    assert seen, "the big file never showed a percentage"
    values = [int(p.rstrip("%")) for p in seen]
    assert all(0 <= v <= 100 for v in values) and max(values) > min(values)
