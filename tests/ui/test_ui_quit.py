"""Quitting the application while the panel's upload runs: a clean exit, never "QThread: Destroyed…".

Each case is a real process (``panel_quit_child.py``): a host-like main window, the panel uploading a
big file to the folder platform under a bandwidth cap, then the application quits.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Dict

import pytest
from testpaths import REPO

from rfsync_core.app import write_upload_manifest

pytest.importorskip("Qt")

CHILD = Path(__file__).with_name("panel_quit_child.py")
SIZE = 16 * 1024 * 1024  # 16 MiB at 400 KB/s: ~40 s if nothing stopped it


def run_child(tmp_path: Path, mode: str, answer: str = "Cancel and quit") -> Dict[str, str]:
    big = tmp_path / "proj" / "cache" / "sim.abc"
    big.parent.mkdir(parents=True)
    big.write_bytes(os.urandom(SIZE))
    manifest = write_upload_manifest(str(tmp_path / "work" / "upload.json"), None, [str(big)])
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", ANSWER=answer,
               RFSYNC_LOCAL_ROOT=str(tmp_path / "farm"),
               PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    proc = subprocess.run([sys.executable, str(CHILD), mode, manifest], env=env, capture_output=True,
                          text=True, timeout=120)
    target = tmp_path / "farm" / "input" / str(big).lstrip("/")
    if target.exists():  # a file under its final name is the whole file, never a part of it
        assert target.read_bytes() == big.read_bytes()
    return {"rc": str(proc.returncode), "out": proc.stdout, "err": proc.stderr}


@pytest.mark.parametrize("mode", ["quit", "close-host"])
def test_quitting_mid_transfer_exits_cleanly(tmp_path: Path, mode: str) -> None:
    got = run_child(tmp_path, mode)
    assert "RUNNING" in got["out"], got
    assert "QThread: Destroyed" not in got["err"], got["err"]
    assert got["rc"] == "0", got
    assert "EXIT 0" in got["out"], got


def test_closing_the_host_asks_and_dont_quit_keeps_it(tmp_path: Path) -> None:
    got = run_child(tmp_path, "close-host", answer="Don't quit")
    assert "ASKED" in got["out"], got
    assert "CLOSED False" in got["out"], got  # the host window stayed open, the transfer went on
    assert got["rc"] == "0" and "QThread: Destroyed" not in got["err"], got


def test_closing_the_host_asks_before_cancelling(tmp_path: Path) -> None:
    got = run_child(tmp_path, "close-host")
    assert "ASKED" in got["out"], got
    assert "CLOSED True" in got["out"], got
