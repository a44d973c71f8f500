"""Katana script mode: ``rfsync_batch.py PROJECT ...`` run in a subprocess with the fake Katana modules on
PYTHONPATH standing in for ``katana --script`` (the fake's KatanaFile.Load reads the project from disk)."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator, List

import pytest
from fakes import FAKES_DIR, REPO

KATANA_RESOURCES = REPO / "plugins" / "katana" / "resources"
BATCH_SCRIPT = KATANA_RESOURCES / "rfsync_batch.py"


@pytest.fixture
def scene(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.syspath_prepend(str(FAKES_DIR))
    from Katana._state import STATE
    from Katana._testing import build_scene

    STATE.reset(ui=False)
    yield build_scene(tmp_path / "proj")
    STATE.reset(ui=False)


def without_missing(scene: Path) -> Path:
    data = json.loads(scene.read_text())
    data["nodes"] = [n for n in data["nodes"] if n["name"] != "missingTex"]
    scene.write_text(json.dumps(data))
    return scene


def run_batch(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(FAKES_DIR)  # rfsync_batch.py finds rfsync_katana and rfsync_core itself
    env["RFSYNC_FAKE_KATANA_MODE"] = "script"
    env["RFSYNC_FAKE_KATANA_LOG"] = str(tmp_path / "katana.log")
    env["RFSYNC_LOCAL_ROOT"] = str(tmp_path / "farm")
    env.pop("KATANA_RESOURCES", None)
    return subprocess.run([sys.executable, str(BATCH_SCRIPT), *args], env=env, capture_output=True,
                          text=True, timeout=120, cwd=str(tmp_path))


def katana_log(tmp_path: Path) -> List[str]:
    path = tmp_path / "katana.log"
    return path.read_text().splitlines() if path.exists() else []


def test_batch_upload_to_s3_everything_arrives(tmp_path: Path, scene: Path, s3_platform: str, s3_server: Any,
                                               s3_bucket: str) -> None:
    from Katana._testing import EXPECTED_FOUND

    without_missing(scene)
    proc = run_batch(tmp_path, str(scene), "--platform", s3_platform, "--max-speed", "100000")
    assert proc.returncode == 0, proc.stderr
    root = s3_server.root / s3_bucket / "farm" / "input"
    for rel in EXPECTED_FOUND:
        local = tmp_path / "proj" / rel
        assert (root / str(local).lstrip("/")).read_bytes() == local.read_bytes()
    assert "rfsync: done: all files arrived" in proc.stdout and "[100%]" in proc.stdout
    assert "asset id, not a local file" in proc.stderr  # the warning is shown
    assert katana_log(tmp_path) == [f"load {scene}"]  # loaded, never saved over
    assert (scene.parent / "rfsync" / "sh010" / "upload.json").is_file()


def test_batch_missing_files_stop_before_upload(tmp_path: Path, scene: Path) -> None:
    proc = run_batch(tmp_path, str(scene))
    assert proc.returncode == 3
    assert "missing.exr" in proc.stderr and "--allow-missing" in proc.stderr
    assert not (tmp_path / "farm").exists()


def test_batch_submit_with_allow_missing(tmp_path: Path, scene: Path) -> None:
    proc = run_batch(tmp_path, str(scene), "--submit", "--task-id", "1732431234567042", "--allow-missing",
                     "--platform", "local")
    assert proc.returncode == 0, proc.stderr
    cfg = tmp_path / "farm" / "tasks" / "1732431234567042" / "cfg"
    task = json.loads((cfg / "task.json").read_text())
    assert task["scene"] == str(scene)
    assert json.loads((cfg / "tips.json").read_text())["missing"] == [f"{tmp_path / 'proj'}/tex/missing.exr"]
    assert "task 1732431234567042 submitted" in proc.stdout


def test_batch_errors_exit_1_with_one_clear_line(tmp_path: Path, scene: Path) -> None:
    without_missing(scene)
    proc = run_batch(tmp_path, str(scene), "--platform", "nowhere")
    assert proc.returncode == 1 and "nowhere" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_batch(tmp_path, str(tmp_path / "no_such.katana"))
    assert proc.returncode == 1 and "does not exist" in proc.stderr
    bad = tmp_path / "bad.katana"
    bad.write_text("not a project")
    proc = run_batch(tmp_path, str(bad))
    assert proc.returncode == 1 and "cannot load" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_batch(tmp_path)
    assert proc.returncode == 2 and "project" in proc.stderr


def test_batch_failed_uploads_exit_1(tmp_path: Path, scene: Path) -> None:
    without_missing(scene)
    (tmp_path / "farm").write_text("not a folder")
    proc = run_batch(tmp_path, str(scene))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "failed" in proc.stderr


def test_script_runs_whatever_name_katana_gives_it(tmp_path: Path, scene: Path) -> None:
    """hosts.md: under ``katana --script`` ``__name__`` may not be "__main__"; the script runs anyway."""
    without_missing(scene)
    runner = ("import sys; p = sys.argv[1]; sys.argv = ['katana', '--script', p] + sys.argv[2:]; "
              "exec(compile(open(p).read(), p, 'exec'), {'__name__': 'katana_script', '__file__': p})")
    env = dict(os.environ)
    env["PYTHONPATH"] = str(FAKES_DIR)
    env["RFSYNC_FAKE_KATANA_MODE"] = "script"
    env["RFSYNC_LOCAL_ROOT"] = str(tmp_path / "farm")
    env.pop("KATANA_RESOURCES", None)
    proc = subprocess.run([sys.executable, "-c", runner, str(BATCH_SCRIPT), str(scene)], env=env,
                          capture_output=True, text=True, timeout=120, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "rfsync: done: all files arrived" in proc.stdout


def load_batch_script() -> Any:
    spec = importlib.util.spec_from_file_location("rfsync_batch_script", str(BATCH_SCRIPT))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("argv, expected", [
    (["katana", "--script", str(BATCH_SCRIPT), "a.katana", "--submit"], ["a.katana", "--submit"]),
    ([str(BATCH_SCRIPT), "a.katana"], ["a.katana"]),
    (["whatever", "a.katana"], ["a.katana"]),
])
def test_script_arguments_after_the_script_path(argv: List[str], expected: List[str]) -> None:
    assert load_batch_script()._script_args(argv) == expected


def test_script_finds_resources_through_katana_resources(monkeypatch: pytest.MonkeyPatch) -> None:
    module = load_batch_script()
    assert module._resources_dir() == str(KATANA_RESOURCES)
    monkeypatch.delitem(module.__dict__, "__file__")
    monkeypatch.setenv("KATANA_RESOURCES", os.pathsep.join(["/nowhere", str(KATANA_RESOURCES)]))
    assert module._resources_dir() == str(KATANA_RESOURCES)
    monkeypatch.setenv("KATANA_RESOURCES", "/nowhere")
    assert module._resources_dir() is None
