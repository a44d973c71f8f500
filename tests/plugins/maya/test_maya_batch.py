"""Maya batch mode: ``mayapy <rfsync_batch.py> SCENE ...`` in a subprocess, with only the fake ``maya`` on
PYTHONPATH standing in for mayapy (maya.standalone must be initialized before maya.cmds works, and module
files reach only ``os.environ["PYTHONPATH"]`` then, never ``sys.path``: tests/fakes/maya/standalone.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
from fakes import EXPECTED_FOUND, FAKES_DIR, MAYA_SCRIPTS, REPO, build_scene, drop_fake_maya, use_fake_maya


@pytest.fixture
def scene(tmp_path: Path) -> Iterator[Path]:
    state = use_fake_maya()
    path = build_scene(tmp_path / "proj", state)
    yield path
    drop_fake_maya()


def without_missing(scene: Path) -> Path:
    data = json.loads(scene.read_text())
    data["nodes"] = [n for n in data["nodes"] if n["name"] != "missingFile"]
    scene.write_text(json.dumps(data))
    return scene


BATCH_SCRIPT = MAYA_SCRIPTS.parent / "rfsync_batch.py"


def mayapy_env(tmp_path: Path, modules: Optional[Path] = None) -> Dict[str, str]:
    """The environment of a fake mayapy: its own ``maya`` package only; rfsync reached through modules."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(FAKES_DIR)
    env["MAYA_MODULE_PATH"] = str(modules or tmp_path / "no_modules")
    env["RFSYNC_FAKE_MAYA_STANDALONE"] = "1"
    env["RFSYNC_FAKE_MAYA_LOG"] = str(tmp_path / "maya.log")
    env["RFSYNC_LOCAL_ROOT"] = str(tmp_path / "farm")
    return env


def run_batch(tmp_path: Path, *args: str, script: Path = BATCH_SCRIPT,
              modules: Optional[Path] = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(script), *args], env=mayapy_env(tmp_path, modules),
                          capture_output=True, text=True, timeout=120, cwd=str(tmp_path))


def install_module(tmp_path: Path) -> Path:
    """``python install.py --maya --no-deps`` into a temporary MAYA_APP_DIR; the modules folder."""
    env = dict(os.environ, MAYA_APP_DIR=str(tmp_path / "maya_app"))
    proc = subprocess.run([sys.executable, str(REPO / "install.py"), "--maya", "--no-deps"], env=env,
                          capture_output=True, text=True, timeout=120, cwd=str(REPO))
    assert proc.returncode == 0, proc.stderr
    return tmp_path / "maya_app" / "modules"


def maya_log(tmp_path: Path) -> List[str]:
    return (tmp_path / "maya.log").read_text().splitlines()


def test_batch_upload_everything_arrives(tmp_path: Path, scene: Path) -> None:
    without_missing(scene)
    proc = run_batch(tmp_path, str(scene), "--max-speed", "100000")
    assert proc.returncode == 0, proc.stderr
    for rel in EXPECTED_FOUND:
        local = tmp_path / "proj" / rel
        assert (tmp_path / "farm" / "input" / str(local).lstrip("/")).read_bytes() == local.read_bytes()
    assert "rfsync: done: all files arrived" in proc.stdout
    assert "[100%]" in proc.stdout  # console progress
    assert maya_log(tmp_path) == ["initialize python", f"open {scene}", "uninitialize"]
    assert (scene.parent / "rfsync" / "sh010" / "upload.json").is_file()


def test_batch_missing_files_stop_before_upload(tmp_path: Path, scene: Path) -> None:
    proc = run_batch(tmp_path, str(scene))
    assert proc.returncode == 3
    assert "missing.exr" in proc.stderr and "--allow-missing" in proc.stderr
    assert not (tmp_path / "farm").exists()
    assert maya_log(tmp_path)[-1] == "uninitialize"


def test_batch_submit_with_allow_missing(tmp_path: Path, scene: Path) -> None:
    proc = run_batch(tmp_path, str(scene), "--submit", "--task-id", "1732431234567042", "--allow-missing",
                     "--platform", "local")
    assert proc.returncode == 0, proc.stderr
    cfg = tmp_path / "farm" / "tasks" / "1732431234567042" / "cfg"
    tips = json.loads((cfg / "tips.json").read_text())
    assert tips["missing"] == [f"{tmp_path / 'proj'}/tex/missing.exr"]
    assert json.loads((cfg / "task.json").read_text())["scene"] == str(scene)
    assert "task 1732431234567042 submitted" in proc.stdout


def test_batch_s3_platform(tmp_path: Path, scene: Path, s3_platform: str, s3_server: Any, s3_bucket: str) -> None:
    without_missing(scene)
    proc = run_batch(tmp_path, str(scene), "--platform", s3_platform, "--submit", "--task-id", "7")
    assert proc.returncode == 0, proc.stderr
    root = s3_server.root / s3_bucket / "farm"
    assert (root / "tasks" / "7" / "cfg" / "task.json").is_file()
    assert (root / "input" / str(scene).lstrip("/")).read_bytes() == scene.read_bytes()


def test_batch_errors_exit_nonzero_and_still_uninitialize(tmp_path: Path, scene: Path) -> None:
    without_missing(scene)
    proc = run_batch(tmp_path, str(scene), "--platform", "nowhere")
    assert proc.returncode == 1
    assert "nowhere" in proc.stderr and "Traceback" not in proc.stderr
    assert maya_log(tmp_path)[-1] == "uninitialize"
    proc = run_batch(tmp_path, str(tmp_path / "no_such_scene.ma"))
    assert proc.returncode == 1 and "does not exist" in proc.stderr


def test_batch_failed_file_exits_1(tmp_path: Path, scene: Path) -> None:
    """A file that vanishes between collect and upload can't be simulated across processes simply;
    a farm folder that cannot be written can: every upload fails, exit code 1."""
    without_missing(scene)
    (tmp_path / "farm").write_text("not a folder")
    proc = run_batch(tmp_path, str(scene))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "failed" in proc.stderr


def test_mayapy_dash_m_cannot_import_a_module_package(tmp_path: Path, scene: Path) -> None:
    """The fake models mayapy: with the module installed, ``-m rfsync_maya`` fails before any code runs."""
    modules = install_module(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "rfsync_maya", str(scene)], env=mayapy_env(tmp_path, modules),
                          capture_output=True, text=True, timeout=120, cwd=str(tmp_path))
    assert proc.returncode != 0 and "No module named rfsync_maya" in proc.stderr


def test_installed_batch_script_works_on_a_plain_install(tmp_path: Path, scene: Path) -> None:
    """The documented line, ``mayapy <modules>/rfsync/rfsync_batch.py SCENE``, on an install with no deps."""
    without_missing(scene)
    modules = install_module(tmp_path)
    script = modules / "rfsync" / "rfsync_batch.py"
    proc = run_batch(tmp_path, str(scene), "--submit", "--task-id", "42", script=script, modules=modules)
    assert proc.returncode == 0, proc.stderr
    assert "task 42 submitted" in proc.stdout
    assert maya_log(tmp_path) == ["initialize python", f"open {scene}", "uninitialize"]
    # the installed copies ran, not the repository's
    assert (f"rfsync_maya from {modules / 'rfsync' / 'scripts'}") in proc.stderr


def test_docs_show_the_script_entry_point() -> None:
    for doc in (REPO / "README.md", REPO / "docs" / "maya.md"):
        text = doc.read_text(encoding="utf-8")
        commands = [line.strip() for line in text.splitlines() if line.startswith("    mayapy ")]
        assert any("/rfsync_batch.py " in c for c in commands), (doc, commands)
        assert not any(" -m " in c for c in commands), (doc, commands)
