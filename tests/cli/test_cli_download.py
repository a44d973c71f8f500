"""`rfsync download`, `rfsync auto-download` and `rfsync farm-emulate`: exit codes, files, summary."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from download_helpers import client, emulator, farm_platform, files_under, render, submit  # noqa: F401

from rfsync_core.cli.main import main
from rfsync_core.client import Client


def test_download_and_flat(client: Client, farm_platform: str, tmp_path: Path,  # noqa: F811
                           capsys: pytest.CaptureFixture) -> None:
    render(client, "951", frames="1-2")
    code = main(["download", "951", "--platform", farm_platform, "--local-path", str(tmp_path / "a"), "--quiet"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "task 951: 2/2 frames done (done)" in out and "3 downloaded" in out
    assert len(files_under(tmp_path / "a" / "951_sh010")) == 3
    code = main(["download", "--server-path", "951_sh010/masterLayer", "--flat", "--platform", farm_platform,
                 "--local-path", str(tmp_path / "b"), "--quiet", "--max-speed", "100000"])
    assert code == 0
    assert files_under(tmp_path / "b") == ["masterLayer/sh010.0001.exr", "masterLayer/sh010.0002.exr"]


def test_failures_give_exit_code_1(client: Client, farm_platform: str, tmp_path: Path,  # noqa: F811
                                   capsys: pytest.CaptureFixture) -> None:
    render(client, "952", frames="1-2", fail_frames=["2"])
    code = main(["auto-download", "952", "--sleep", "0.1", "--platform", farm_platform,
                 "--local-path", str(tmp_path), "--quiet"])
    out = capsys.readouterr()
    assert code == 1
    assert "FAILED task 952 frame 2: failed on the farm" in out.out
    assert main(["download", "953", "--platform", farm_platform, "--local-path", str(tmp_path)]) == 1
    assert "task 953 is unknown" in capsys.readouterr().err


def test_auto_download_while_rendering(client: Client, farm_platform: str, tmp_path: Path,  # noqa: F811
                                       capsys: pytest.CaptureFixture) -> None:
    submit(client, "954", frames="1-3")
    emu = emulator(client, "954", frame_time=0.2).start()
    code = main(["auto-download", "954", "--sleep", "0.1", "--platform", farm_platform,
                 "--local-path", str(tmp_path / "dl")])
    emu.join(5)
    captured = capsys.readouterr()
    assert code == 0, captured.out
    assert "task 954: 3/3 frames done" in captured.out  # the summary
    assert "\r" not in captured.err  # not a terminal: no bars redrawn into logs
    assert len(files_under(tmp_path / "dl")) == 4


def test_farm_emulate_command_in_a_subprocess(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RFSYNC_LOCAL_ROOT", str(tmp_path / "farm"))
    env = dict(os.environ)
    with Client("local") as c:
        submit(c, "955", frames="1-2")
    proc = subprocess.run([sys.executable, "-m", "rfsync_core", "farm-emulate", "955", "--frame-time", "0.05",
                           "--fail-frame", "2"], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert "task 955: frame 2 failed" in proc.stdout and "task 955: failed" in proc.stdout
    assert (tmp_path / "farm" / "output" / "955_sh010" / "masterLayer" / "sh010.0001.exr").exists()
