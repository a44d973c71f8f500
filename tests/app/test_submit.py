"""submit_job on a folder platform: assets, then configs, task.json last; a used task id is refused (§2, §3)."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import List

import pytest

from rfsync_core.app import CollectResult, TaskInfo, TransferSettings, submit_job, write_task_configs
from rfsync_core.errors import FarmError


def _folder_platform(tmp_path: Path) -> str:
    cfg = Path(os.environ["RFSYNC_CONFIG_DIR"])
    cfg.mkdir(parents=True, exist_ok=True)
    (cfg / "platforms.json").write_text(json.dumps({"farm": {"engine": "folder", "root": str(tmp_path / "farm")}}),
                                        encoding="utf-8")
    return "farm"


def _configs(tmp_path: Path, task_id: str) -> dict:
    scene = tmp_path / "shot" / "sh010.ma"
    scene.parent.mkdir(parents=True, exist_ok=True)
    scene.write_text("//scene\n", encoding="utf-8")
    textures = []
    for i in range(20):
        tex = tmp_path / "shot" / "tex" / f"t{i}.exr"
        tex.parent.mkdir(exist_ok=True)
        tex.write_bytes(os.urandom(2000))
        textures.append(str(tex))
    info = TaskInfo(task_id, str(scene), host="maya", host_version="2024", renderer="arnold", frames="1-3")
    return write_task_configs(str(tmp_path / "cfg"), info, CollectResult(found=[str(scene), *textures]))


def test_task_json_arrives_after_every_other_file(tmp_path: Path) -> None:
    platform = _folder_platform(tmp_path)
    configs = _configs(tmp_path, "501")
    farm = tmp_path / "farm"
    task_json = farm / "tasks" / "501" / "cfg" / "task.json"
    seen: List[str] = []
    done = threading.Event()

    def watch() -> None:  # the farm's view: what exists the moment task.json does
        while not done.is_set():
            if task_json.exists():
                seen.extend(sorted(p.relative_to(farm).as_posix() for p in farm.rglob("*") if p.is_file()))
                return
            time.sleep(0.0005)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        result = submit_job("501", configs, TransferSettings(platform=platform))(lambda _p: None, None)
    finally:
        done.set()
        watcher.join(10)
    assert result.ok
    assert {"tasks/501/cfg/asset.json", "tasks/501/cfg/tips.json", "tasks/501/cfg/upload.json"} <= set(seen)
    assert len([s for s in seen if s.startswith("input/") and s.endswith(".exr")]) == 20
    assert any(s.startswith("input/") and s.endswith("/sh010.ma") for s in seen)


@pytest.mark.parametrize("leftover", ["cfg/task.json", "status.json"])
def test_an_id_with_anything_under_tasks_id_is_refused(tmp_path: Path, leftover: str) -> None:
    platform = _folder_platform(tmp_path)
    configs = _configs(tmp_path, "502")
    used = tmp_path / "farm" / "tasks" / "502" / leftover
    used.parent.mkdir(parents=True)
    used.write_text("{}")
    job = submit_job("502", configs, TransferSettings(platform=platform))
    with pytest.raises(FarmError, match="task id 502 is already used on platform farm"):
        job(lambda _p: None, None)
    assert used.read_text() == "{}"
    assert not (tmp_path / "farm" / "input").exists()  # nothing was sent
