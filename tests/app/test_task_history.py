"""The task history: submits recorded locally, bounded, shared by concurrent processes, never through a link."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rfsync_core.app import CollectResult, TaskInfo, TransferSettings, submit_job, write_task_configs
from rfsync_core.app.task_history import TaskEntry, TaskHistory, TaskHistoryError, default_history_path

ROOT = Path(__file__).resolve().parents[2]

_WRITER = """
import sys, time
from rfsync_core.app.task_history import TaskEntry, TaskHistory
h = TaskHistory(sys.argv[1])
for i in range(int(sys.argv[3])):
    h.record(TaskEntry("local", f"{sys.argv[2]}{i}", "maya", "/p/sh010.ma", "1-3", time.time()))
"""


def _entry(task_id: str, scene: str = "/p/sh010.ma", platform: str = "local") -> TaskEntry:
    return TaskEntry(platform, task_id, "maya", scene, "1-3", time.time())


def test_history_lives_beside_the_records_database() -> None:
    assert default_history_path().parent == Path(os.environ["RFSYNC_DATA_DIR"])


def test_entries_newest_first_and_this_scene_first(tmp_path: Path) -> None:
    h = TaskHistory(tmp_path / "h.sqlite3")
    assert h.entries() == []  # no file yet: nothing, and no file made by reading
    assert not (tmp_path / "h.sqlite3").exists()
    h.record(_entry("11", "/p/a.ma"))
    h.record(_entry("12", "/p/b.ma"))
    h.record(_entry("13", "/p/a.ma"))
    assert [e.task_id for e in h.entries()] == ["13", "12", "11"]
    assert [e.task_id for e in h.entries(scene="/p/b.ma")] == ["12", "13", "11"]


def test_resubmit_replaces_and_output_folder_is_remembered(tmp_path: Path) -> None:
    h = TaskHistory(tmp_path / "h.sqlite3")
    h.record(_entry("21"))
    h.record(_entry("21"))
    assert [e.task_id for e in h.entries()] == ["21"]
    changed = h.set_output("local", "21", "/renders/sh010", True)
    assert changed is not None and changed.output_dir == "/renders/sh010" and changed.flat
    assert TaskHistory(tmp_path / "h.sqlite3").get("local", "21") == changed  # a new reader sees it
    assert h.set_output("local", "99", "/x", False) is None  # not recorded: nothing invented


def test_bounded_to_the_last_n(tmp_path: Path) -> None:
    h = TaskHistory(tmp_path / "h.sqlite3", max_tasks=5)
    for i in range(12):
        h.record(_entry(str(100 + i)))
    assert [e.task_id for e in h.entries()] == ["111", "110", "109", "108", "107"]


def test_a_planted_link_is_refused_not_followed(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    link = tmp_path / "h.sqlite3"
    link.symlink_to(victim)
    with pytest.raises(TaskHistoryError, match="not a regular file"):
        TaskHistory(link).record(_entry("31"))
    with pytest.raises(TaskHistoryError, match="not a regular file"):
        TaskHistory(link).entries()
    assert victim.read_text(encoding="utf-8") == "keep me\n"


def test_a_file_that_is_not_a_database_is_one_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(TaskHistoryError, match=r"h\.sqlite3"):
        TaskHistory(path).record(_entry("41"))


def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, str(path), prefix, "60"], env=env)
             for prefix in ("7", "8")]
    for p in procs:
        assert p.wait(timeout=120) == 0
    ids = {e.task_id for e in TaskHistory(path).entries()}
    assert ids == {f"{p}{i}" for p in ("7", "8") for i in range(60)}


def test_submit_job_records_the_submit(tmp_path: Path) -> None:
    cfg = Path(os.environ["RFSYNC_CONFIG_DIR"])
    cfg.mkdir(parents=True, exist_ok=True)
    (cfg / "platforms.json").write_text(json.dumps({"farm": {"engine": "folder", "root": str(tmp_path / "farm")}}),
                                        encoding="utf-8")
    scene = tmp_path / "shot" / "sh010.ma"
    scene.parent.mkdir(parents=True)
    scene.write_text("//scene\n", encoding="utf-8")
    info = TaskInfo("601", str(scene), host="maya", host_version="2024", renderer="arnold", frames="1-3")
    configs = write_task_configs(str(tmp_path / "cfg"), info, CollectResult(found=[str(scene)]))
    before = time.time()
    result = submit_job("601", configs, TransferSettings(platform="farm"), output_dir="/renders")(
        lambda _p: None, None)
    assert result.ok
    (entry,) = TaskHistory().entries()
    assert (entry.platform, entry.task_id, entry.host, entry.scene, entry.frames, entry.output_dir) == \
        ("farm", "601", "maya", str(scene), "1-3", "/renders")
    assert entry.submitted >= before
