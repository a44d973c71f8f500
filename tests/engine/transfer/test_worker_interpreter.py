"""Which Python a host's worker processes run on (real files stand in for the host's install)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from rfsync_core.transfer.procs import default_processes, processes_for, worker_executable


def executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_plain_python_and_mayapy_serve_as_they_are(tmp_path: Path) -> None:
    assert worker_executable("/usr/bin/python3.11") == "/usr/bin/python3.11"
    mayapy = str(tmp_path / "Maya2025" / "bin" / "mayapy")
    assert worker_executable(mayapy) == mayapy


@pytest.mark.skipif(os.name == "nt", reason="POSIX layout of $HFS")
def test_hython_workers_use_houdinis_own_python_not_hython(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hfs = tmp_path / "hfs20.5"
    hython = executable(hfs / "bin" / "hython")
    monkeypatch.setenv("HFS", str(hfs))
    assert worker_executable(str(hython)) is None  # no bundled python3 in this $HFS: threads
    python3 = executable(hfs / "python" / "bin" / "python3")
    assert worker_executable(str(hython)) == str(python3)
    monkeypatch.delenv("HFS")
    assert worker_executable(str(hython)) is None


def test_katana_and_the_maya_gui_keep_threads(tmp_path: Path) -> None:
    assert worker_executable(str(tmp_path / "katana")) is None
    assert worker_executable(str(tmp_path / "maya.exe")) is None
    assert default_processes(10_000, str(tmp_path / "katana")) == 1


def test_inside_katana_whatever_its_python_is_called(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KATANA_RELEASE", "7.0v2")
    assert worker_executable() is None


def test_how_many() -> None:
    assert default_processes(50, "/usr/bin/python3") == 1
    assert default_processes(10_000, "/usr/bin/python3") == max(1, min(8, (os.cpu_count() or 1) - 1))
    assert processes_for(4, 10) == 1  # a few config files never start workers
    assert processes_for(4, 1000) == 4
