"""`rfsync demo`: the README's main job end to end, in a subprocess, with HOME in a temp folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_demo_runs_end_to_end(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = dict(os.environ, HOME=str(home), USERPROFILE=str(home), RFSYNC_CONFIG_DIR=str(home / ".config"),
               RFSYNC_DATA_DIR=str(home / ".data"))
    for var in ("RFSYNC_PLATFORM", "RFSYNC_LOCAL_ROOT", "RFSYNC_PLATFORMS_FILE"):
        env.pop(var, None)
    proc = subprocess.run([sys.executable, "-m", "rfsync_core", "demo", "--frames", "3", "--frame-time", "0.3"],
                          env=env, capture_output=True, text=True, timeout=60)
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
