"""`rfsync demo`: the README's main job end to end, in a subprocess, with HOME in a temp folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Tuple

import pytest

from rfsync_core.app import CollectResult, TaskInfo, write_task_configs
from rfsync_core.farm import CONFIG_NAMES, parse_asset_config, parse_task_config, parse_tips_config

Demo = Tuple["subprocess.CompletedProcess[str]", Path]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """One run of the demo for the tests of this module (it takes a few seconds)."""
    home = tmp_path_factory.mktemp("demo") / "home"
    home.mkdir()
    env = dict(os.environ, HOME=str(home), USERPROFILE=str(home), RFSYNC_CONFIG_DIR=str(home / ".config"),
               RFSYNC_DATA_DIR=str(home / ".data"))
    for var in ("RFSYNC_PLATFORM", "RFSYNC_LOCAL_ROOT", "RFSYNC_PLATFORMS_FILE"):
        env.pop(var, None)
    proc = subprocess.run([sys.executable, "-m", "rfsync_core", "demo", "--frames", "3", "--frame-time", "0.3"],
                          env=env, capture_output=True, text=True, timeout=60)
    return proc, home


def _task_id(home: Path) -> str:
    frames = sorted((home / "renderfarm_sdk").glob("*_sh010/beauty/sh010.*.exr"))
    return frames[0].parent.parent.name.split("_")[0]


def test_demo_runs_end_to_end(demo: Demo) -> None:
    proc, home = demo
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "[4/4] frames downloaded as they finished" in proc.stdout
    root = home / "renderfarm_sdk"
    frames = sorted(root.glob("*_sh010/beauty/sh010.*.exr"))
    assert [f.name for f in frames] == ["sh010.0001.exr", "sh010.0002.exr", "sh010.0003.exr"]
    task_id = frames[0].parent.parent.name.split("_")[0]
    farm = root / "farm"
    for frame in frames:  # byte-identical to what the emulated farm wrote
        assert frame.read_bytes() == (farm / "output" / f"{task_id}_sh010" / "beauty" / frame.name).read_bytes()
    assert (farm / "tasks" / task_id / "cfg" / "task.json").exists()
    assert list((farm / "input").rglob("wood_diffuse.png"))
    assert "3/3 frames done (done)" in proc.stdout


def _shape(value: Any) -> Any:
    """The structure of a JSON document: keys and types, not values."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_shape(value[0])] if value else []
    return type(value).__name__


def test_the_demo_submits_the_configs_a_host_writes(demo: Demo, tmp_path: Path) -> None:
    proc, home = demo
    assert proc.returncode == 0, proc.stdout + proc.stderr
    task_id = _task_id(home)
    cfg = home / "renderfarm_sdk" / "farm" / "tasks" / task_id / "cfg"
    assert sorted(p.name for p in cfg.iterdir()) == sorted(CONFIG_NAMES)
    demo_docs: Dict[str, Any] = {n: json.loads((cfg / n).read_text(encoding="utf-8")) for n in CONFIG_NAMES}

    scene = tmp_path / "shot" / "sh010.ma"
    tex = tmp_path / "shot" / "tex" / "wood.png"
    tex.parent.mkdir(parents=True)
    scene.write_text("//scene\n", encoding="utf-8")
    tex.write_bytes(b"x" * 10)
    info = TaskInfo("99", str(scene), host="maya", host_version="2024", renderer="arnold", frames="1-3",
                    layers=["beauty"], cameras=["shotCam"])
    paths = write_task_configs(str(tmp_path / "cfg"), info, CollectResult(found=[str(scene), str(tex)]))
    host_docs = {n: json.loads(Path(paths[n]).read_text(encoding="utf-8")) for n in CONFIG_NAMES}

    for name in CONFIG_NAMES:  # same builder, same shape
        assert _shape(demo_docs[name]) == _shape(host_docs[name]), name
    asset = parse_asset_config(json.dumps(demo_docs["asset.json"]), task_id)
    assert asset["count"] == 4 and asset["bytes"] == sum(e["size"] for e in asset["assets"]) > 0
    assert asset["scene"] == demo_docs["task.json"]["scene"]
    assert parse_tips_config(json.dumps(demo_docs["tips.json"]), task_id)["missing"] == []
    assert parse_task_config(json.dumps(demo_docs["task.json"]), task_id).frames == ("1", "2", "3")
