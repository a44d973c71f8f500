"""Houdini batch mode: ``python -m rfsync_houdini HIP ...`` in a subprocess with the fake hou on PYTHONPATH
standing in for hython (no UI, hdefereval absent, exit through hou.exit), HOUDINI_PATH = the plugin folder
(so the rfsync_submit HDA is installed from its text form, as the package's hpath does)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator, List

import pytest
from fakes.houdini import (
    EXPECTED_FOUND,
    EXPECTED_ROP_FOUND,
    FAKES_DIR,
    PLUGIN,
    PLUGIN_PYTHON,
    REPO,
    build_scene,
    drop_fake_hou,
    use_fake_hou,
)


@pytest.fixture
def hip(tmp_path: Path) -> Iterator[Path]:
    use_fake_hou(ui=False)
    import hou  # type: ignore[import-not-found]

    path = build_scene(tmp_path / "proj", hou)
    yield path
    drop_fake_hou()


def without_missing(hip: Path) -> Path:
    data = json.loads(hip.read_text())
    data["nodes"] = [n for n in data["nodes"] if n["path"] != "/mat/lost"]
    hip.write_text(json.dumps(data))
    return hip


def run_batch(tmp_path: Path, *args: str, script: bool = False) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(FAKES_DIR), str(REPO)] + ([] if script else [str(PLUGIN_PYTHON)]))
    env["HOUDINI_PATH"] = os.pathsep.join([str(PLUGIN), "&"])
    env["RFSYNC_FAKE_HOU_LOG"] = str(tmp_path / "hou.log")
    env["RFSYNC_LOCAL_ROOT"] = str(tmp_path / "farm")
    env.pop("RFSYNC_FAKE_HOU_UI", None)
    entry = [str(PLUGIN_PYTHON / "rfsync_houdini" / "batch.py")] if script else ["-m", "rfsync_houdini"]
    return subprocess.run([sys.executable, *entry, *args], env=env, capture_output=True, text=True, timeout=120,
                          cwd=str(tmp_path))


def farm_file(tmp_path: Path, rel: str) -> Path:
    local = os.path.normpath(tmp_path / "proj" / rel)
    return tmp_path / "farm" / "input" / local.lstrip("/")


def hou_log(tmp_path: Path) -> List[str]:
    return (tmp_path / "hou.log").read_text().splitlines()


def test_batch_upload_everything_arrives(tmp_path: Path, hip: Path) -> None:
    without_missing(hip)
    proc = run_batch(tmp_path, str(hip), "--max-speed", "100000")
    assert proc.returncode == 0, proc.stderr
    for rel in EXPECTED_FOUND:
        assert farm_file(tmp_path, rel).read_bytes() == Path(os.path.normpath(tmp_path / "proj" / rel)).read_bytes()
    assert "rfsync: done: all files arrived" in proc.stdout
    assert "[100%]" in proc.stdout  # console progress
    assert hou_log(tmp_path) == [f"load {hip}"]
    assert (hip.parent / "rfsync" / "sh010" / "upload.json").is_file()
    assert "tools.hda" in proc.stderr  # the parameter-less reference is reported


def test_batch_missing_files_stop_before_upload(tmp_path: Path, hip: Path) -> None:
    proc = run_batch(tmp_path, str(hip))
    assert proc.returncode == 3
    assert "missing.exr" in proc.stderr and "--allow-missing" in proc.stderr
    assert not (tmp_path / "farm").exists()


def test_batch_submit_through_the_submit_rop(tmp_path: Path, hip: Path) -> None:
    """No --rop: the only rfsync_submit ROP is used; its frame range (1–3) limits frame patterns."""
    proc = run_batch(tmp_path, str(hip), "--submit", "--task-id", "1732431234567042", "--allow-missing",
                     "--platform", "local")
    assert proc.returncode == 0, proc.stderr
    cfg = tmp_path / "farm" / "tasks" / "1732431234567042" / "cfg"
    task = json.loads((cfg / "task.json").read_text())
    assert task["scene"] == str(hip) and task["frames"] == "1-3"
    assert json.loads((cfg / "tips.json").read_text())["missing"] == [f"{tmp_path / 'proj'}/tex/missing.exr"]
    for rel in EXPECTED_ROP_FOUND:
        assert farm_file(tmp_path, rel).is_file(), rel
    assert not farm_file(tmp_path, "geo/sim.0004.bgeo.sc").exists()
    assert "task 1732431234567042 submitted" in proc.stdout


def test_batch_as_a_script_and_load_warnings(tmp_path: Path, hip: Path) -> None:
    """``hython batch.py`` works too (``hython -m`` is unconfirmed); LoadWarning is reported, not fatal."""
    data = json.loads(without_missing(hip).read_text())
    data["load_warnings"] = ["Skipping unrecognized parameter \"foo\""]
    hip.write_text(json.dumps(data))
    proc = run_batch(tmp_path, str(hip), "--rop", "/out/karma1", script=True)
    assert proc.returncode == 0, proc.stderr
    assert "loaded with warnings" in proc.stderr and "unrecognized parameter" in proc.stderr
    assert farm_file(tmp_path, "geo/sim.0001.bgeo.sc").is_file()
    assert not farm_file(tmp_path, "geo/sim.0002.bgeo.sc").exists()  # karma1 renders the current frame only


def test_batch_s3_platform(tmp_path: Path, hip: Path, s3_platform: str, s3_server: Any, s3_bucket: str) -> None:
    without_missing(hip)
    proc = run_batch(tmp_path, str(hip), "--platform", s3_platform, "--submit", "--task-id", "7",
                     "--rop", "/out/rfsync1")
    assert proc.returncode == 0, proc.stderr
    root = s3_server.root / s3_bucket / "farm"
    assert json.loads((root / "tasks" / "7" / "cfg" / "task.json").read_text())["renderer"] == "karma"
    assert (root / "input" / str(hip).lstrip("/")).read_bytes() == hip.read_bytes()


def test_batch_errors_exit_nonzero(tmp_path: Path, hip: Path) -> None:
    without_missing(hip)
    proc = run_batch(tmp_path, str(hip), "--platform", "nowhere")
    assert proc.returncode == 1
    assert "nowhere" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_batch(tmp_path, str(tmp_path / "no_such.hip"))
    assert proc.returncode == 1 and "does not exist" in proc.stderr
    (tmp_path / "broken.hip").write_text("not a hip file")
    proc = run_batch(tmp_path, str(tmp_path / "broken.hip"))
    assert proc.returncode == 1 and "cannot open" in proc.stderr
    proc = run_batch(tmp_path, str(hip), "--submit", "--rop", "/out/nope")
    assert proc.returncode == 2 and "no such node" in proc.stderr
    proc = run_batch(tmp_path, "--no-such-flag")
    assert proc.returncode == 2


def test_batch_failed_file_exits_1(tmp_path: Path, hip: Path) -> None:
    without_missing(hip)
    (tmp_path / "farm").write_text("not a folder")
    proc = run_batch(tmp_path, str(hip))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "failed" in proc.stderr


def test_installed_batch_script_works_on_a_plain_install(tmp_path: Path, hip: Path) -> None:
    """The documented line, ``hython <pref>/rfsync/rfsync_batch.py HIP``, with nothing of rfsync on PYTHONPATH
    (whether hython applied the package's env is unconfirmed): the script finds the installed copy itself."""
    without_missing(hip)
    pref = tmp_path / "houdini20.5"
    install = subprocess.run([sys.executable, str(REPO / "install.py"), "--houdini", "--houdini-version", "20.5",
                              "--houdini-pref-dir", str(pref), "--houdini-no-deps"], capture_output=True, text=True,
                             timeout=120, cwd=str(tmp_path))
    assert install.returncode == 0, install.stderr
    script = pref / "rfsync" / "rfsync_batch.py"
    assert f"batch: hython {script} HIP" in install.stdout
    env = dict(os.environ, PYTHONPATH=str(FAKES_DIR), HOUDINI_PATH=os.pathsep.join([str(pref / "rfsync"), "&"]),
               RFSYNC_FAKE_HOU_LOG=str(tmp_path / "hou.log"), RFSYNC_LOCAL_ROOT=str(tmp_path / "farm"))
    env.pop("RFSYNC_FAKE_HOU_UI", None)
    proc = subprocess.run([sys.executable, str(script), str(hip), "--rop", "/out/karma1"], env=env,
                          capture_output=True, text=True, timeout=120, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert f"rfsync: rfsync_houdini from {pref / 'rfsync' / 'python'}" in proc.stderr  # the installed copy
    assert farm_file(tmp_path, "geo/sim.0001.bgeo.sc").is_file()


def test_docs_show_the_script_entry_point() -> None:
    for doc in (REPO / "README.md", REPO / "plugins" / "houdini" / "README.md"):
        text = doc.read_text(encoding="utf-8")
        commands = [line.strip() for line in text.splitlines() if line.startswith("    hython ")]
        assert commands and all("/rfsync_batch.py " in c for c in commands), (doc, commands)
