"""``rfsync upload`` / ``rfsync upload-config``: exit codes, summary, Ctrl-C.

The commands that send files run on every engine (``upload_farm``: the folder engine and each S3 server);
argument errors and Ctrl-C stay on the folder engine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import List

import pytest
from storage_engines import Farm
from testpaths import REPO as REPO_ROOT
from upload_util import folder_platform, make_files

from rfsync_core.cli.main import main
from rfsync_core.manifest import UploadManifest

ROOT = str(REPO_ROOT)


def write_manifest(path: Path, files: List[Path]) -> Path:
    UploadManifest(asset=[{"local": str(p), "server": "/D/proj/" + p.name} for p in files]).save(path)
    return path


@pytest.fixture
def farm(tmp_path: Path) -> Path:
    return tmp_path / "farm"


@pytest.fixture
def plat(farm: Path) -> str:
    return folder_platform(farm)


def test_upload_ok_then_skips(tmp_path: Path, upload_farm: Farm, capsys: pytest.CaptureFixture) -> None:
    plat = upload_farm.platform()
    files = make_files(tmp_path / "src", {"a b.exr": 1000, "ü.ma": 20})
    m1 = write_manifest(tmp_path / "u1.json", files[:1])
    m2 = write_manifest(tmp_path / "u2.json", files[1:])
    assert main(["upload", str(m1), str(m2), "--platform", plat, "--threads", "2"]) == 0
    out = capsys.readouterr().out
    assert "uploaded 2, skipped 0 unchanged, failed 0" in out
    for p in files:
        upload_farm.assert_holds("input/D/proj/" + p.name, p)
    assert main(["upload", str(m1), str(m2), "-p", plat]) == 0
    assert "uploaded 0, skipped 2 unchanged" in capsys.readouterr().out
    assert main(["upload", str(m1), "-p", plat, "--no-db", "--max-speed", "100000"]) == 0
    assert "uploaded 1," in capsys.readouterr().out
    assert main(["upload", str(m1), "-p", plat, "--recheck", "-q"]) == 0
    assert "skipped 1 unchanged" in capsys.readouterr().out


def test_upload_failure_exit_code_and_lines(tmp_path: Path, upload_farm: Farm, capsys: pytest.CaptureFixture) -> None:
    files = make_files(tmp_path / "src", {"ok.exr": 10})
    m = write_manifest(tmp_path / "u.json", [*files, tmp_path / "src" / "missing.exr"])
    assert main(["upload", str(m), "-p", upload_farm.platform(), "--no-preflight"]) == 1  # the transfer fails
    out = capsys.readouterr().out
    assert "failed 1" in out
    assert any(line.strip().startswith("FAILED") and "missing.exr" in line for line in out.splitlines())
    upload_farm.assert_holds("input/D/proj/ok.exr", files[0])


def test_user_errors_are_one_line(tmp_path: Path, plat: str, capsys: pytest.CaptureFixture) -> None:
    assert main(["upload", str(tmp_path / "nope.json"), "-p", plat]) == 1
    err = capsys.readouterr().err
    assert err.startswith("rfsync: error:") and "nope.json" in err and err.count("\n") == 1
    m = write_manifest(tmp_path / "u.json", [])
    assert main(["upload", str(m), "-p", "no-such-platform"]) == 1
    assert "no-such-platform" in capsys.readouterr().err
    assert main(["upload", str(m), "-p", plat, "--threads", "0"]) == 1


def test_upload_config(tmp_path: Path, upload_farm: Farm, capsys: pytest.CaptureFixture) -> None:
    plat = upload_farm.platform()
    cfgs = make_files(tmp_path / "cfg", {"task.json": 10, "upload.json": 20})
    assert main(["upload-config", "42", *map(str, cfgs), "--platform", plat]) == 0
    assert "tasks/42/cfg/" in capsys.readouterr().out
    for p in cfgs:
        upload_farm.assert_holds("tasks/42/cfg/" + p.name, p)
    assert main(["upload-config", "43", str(tmp_path / "cfg" / "tips.json"), "-p", plat]) == 1
    assert "tips.json" in capsys.readouterr().err
    assert upload_farm.keys("tasks/43/") == []


@pytest.mark.skipif(os.name == "nt", reason="POSIX signals")
def test_ctrl_c_cancels_cleanly(tmp_path: Path, farm: Path, plat: str) -> None:
    """The folder engine only: SIGINT timing, sent once the first file shows in the farm's folder."""
    files = make_files(tmp_path / "src", {f"f{i}.bin": 400_000 for i in range(20)})
    m = write_manifest(tmp_path / "u.json", files)
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.Popen([sys.executable, "-m", "rfsync_core", "upload", str(m), "-p", plat, "--max-speed", "1024",
                             "--threads", "4"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not (farm / "input").exists():
        time.sleep(0.1)
    time.sleep(1.0)
    proc.send_signal(signal.SIGINT)
    t0 = time.monotonic()
    out, err = proc.communicate(timeout=20)
    assert time.monotonic() - t0 < 5
    assert proc.returncode == 130, err.decode()
    text = out.decode()
    assert "(cancelled)" in text and "uploaded " in text
    assert "Traceback" not in err.decode()
