"""The farm emulator (rfsync_core.testing) on a folder platform, and the two 'is this id known' checks."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, List

import pytest

from rfsync_core._files import TEMP_RE
from rfsync_core.config import Platform
from rfsync_core.errors import FarmError
from rfsync_core.farm import (
    config_key,
    parse_task_status,
    read_task_status,
    status_key,
    task_config_document,
    task_id_used,
    task_submitted,
)
from rfsync_core.storage import open_storage
from rfsync_core.testing.farm_emulator import FarmEmulator, frame_output_bytes, writer_for


def _platform(root: Path) -> Platform:
    return Platform(name="t", engine="folder", root=str(root))


def _submit(storage: Any, task_id: str, frames: str = "1-2") -> None:
    doc = task_config_document(task_id, "/D/proj/sh010.ma", host="maya", host_version="2024",
                               renderer="arnold", frames=frames, layers=["beauty"])
    storage.put_bytes(config_key(task_id, "task.json"), json.dumps(doc).encode())


def _all_files(root: Path) -> List[str]:
    return sorted(str(p.relative_to(root).as_posix()) for p in root.rglob("*") if p.is_file())


def test_emulator_renders_through_the_one_atomic_writer(tmp_path: Path) -> None:
    root = tmp_path / "farm"
    storage = open_storage(_platform(root), None)
    _submit(storage, "7", frames="1-2")
    seen: List[str] = []
    emu = FarmEmulator(writer_for(_platform(root)), "7", frame_time=0.0, finish_time=0.0, output_size=100,
                       fail_frames=["2"], on_event=seen.append)
    assert emu.run() == "failed"
    status = parse_task_status((root / status_key("7")).read_bytes(), "7")
    assert status.state == "failed" and status.message == "some frames failed"
    assert [(f.frame, f.state) for f in status.frames] == [("1", "done"), ("2", "failed")]
    assert status.frames[1].message == "emulated render failure"
    assert status.extra == {"farm": "rfsync farm emulator"}
    assert status.output_prefix == "output/7_sh010/"
    out = root / "output" / "7_sh010" / "beauty" / "sh010.0001.exr"
    assert out.read_bytes() == frame_output_bytes("7", "1", "beauty", 100)
    assert emu.outputs == {"1": ["output/7_sh010/beauty/sh010.0001.exr"]}
    assert (root / "output" / "7_sh010" / "render.log").read_text() == "frame 1: done\nframe 2: failed\n"
    assert seen[0] == "task 7: picked up, 2 frames" and seen[-1] == "task 7: failed"
    assert not [n for n in _all_files(root) if TEMP_RE.match(os.path.basename(n))]  # every temp renamed away
    assert read_task_status(storage, "7") == status


def test_emulator_waits_for_task_json_not_for_the_other_configs(tmp_path: Path) -> None:
    root = tmp_path / "farm"
    storage = open_storage(_platform(root), None)
    storage.put_bytes(config_key("8", "asset.json"), b"{}")
    emu = FarmEmulator(writer_for(_platform(root)), "8", pickup_timeout=0.2)
    with pytest.raises(FarmError, match=r"task 8: no task\.json on"):
        emu.pick_up()
    assert not (root / status_key("8")).exists()


def test_unknown_submitted_and_used_ids(tmp_path: Path) -> None:
    storage = open_storage(_platform(tmp_path / "farm"), None)
    assert not task_submitted(storage, "9") and not task_id_used(storage, "9")
    storage.put_bytes(status_key("9"), b"{}")  # a farm-side leftover without configs: the id is taken (§2)
    assert not task_submitted(storage, "9") and task_id_used(storage, "9")
    storage.put_bytes(config_key("10", "tips.json"), b"{}")
    assert task_submitted(storage, "10") and task_id_used(storage, "10")
    assert not task_id_used(storage, "1")  # tasks/1/ is not a prefix of tasks/10/
