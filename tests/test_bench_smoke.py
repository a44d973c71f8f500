"""The benchmark harness runs end to end in its quick mode (a smoke test: no timing is asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_quick_runs_every_workload_and_prints_the_table(tmp_path: Path) -> None:
    env = dict(os.environ, TMPDIR=str(tmp_path))
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--quick"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    table = [line for line in proc.stdout.splitlines() if line.startswith("| ")]
    for workload in ("small", "big", "medium", "warm-small", "warm-many", "dl-small", "dl-big", "capped"):
        rows = [line for line in table if line.startswith(f"| {workload} | ")]
        contenders = {line.split("|")[2].strip() for line in rows}
        assert {"rfsync-api"} <= contenders, (workload, rows)
    assert any(line.startswith("| small | rclone |") for line in table)
    assert "max_speed" in proc.stdout and "cutting_upload" in proc.stdout
    # the harness cleans up its data and server
    assert not any(tmp_path.glob("rfsync-bench-*"))
