"""``rfsync preflight`` and the check ``rfsync upload`` runs first: the table, --strict, --force, exit codes."""

from __future__ import annotations

from pathlib import Path
from typing import List

import pytest
from upload_util import folder_platform, make_files

from rfsync_core.cli.main import main
from rfsync_core.manifest import UploadManifest


def write_manifest(path: Path, files: List[Path]) -> Path:
    UploadManifest(asset=[{"local": str(p), "server": "/D/proj/" + p.name} for p in files]).save(path)
    return path


def test_clean_files_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    m = write_manifest(tmp_path / "u.json", make_files(tmp_path / "src", {"a.exr": 10, "b.exr": 5}))
    assert main(["preflight", str(m), "--strict"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("preflight: 2 files") and out[-1] == "rfsync: preflight passed"


def test_errors_fail_and_the_table_names_them(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = make_files(tmp_path / "src", {"a.exr": 10})
    m = write_manifest(tmp_path / "u.json", [*files, tmp_path / "src" / "gone.exr"])
    assert main(["preflight", str(m)]) == 1
    captured = capsys.readouterr()
    [row] = [line for line in captured.out.splitlines() if line.startswith("  ")]
    assert row.startswith("  ERROR missing:") and "gone.exr" in row
    assert "1 error(s)" in captured.err and captured.err.count("\n") == 1


def test_strict_makes_warnings_fatal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    m = write_manifest(tmp_path / "u.json", make_files(tmp_path / "src", {"empty.exr": 0, "a.exr": 3}))
    assert main(["preflight", str(m)]) == 0
    assert "WARNING zero_bytes" in capsys.readouterr().out
    assert main(["preflight", str(m), "--strict"]) == 1


def test_frames_option_makes_missing_frames_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = make_files(tmp_path / "src", {f"sim.{f:04d}.abc": 1 for f in (1, 2, 4)})
    m = write_manifest(tmp_path / "u.json", files)
    assert main(["preflight", str(m)]) == 0  # a gap is a warning without the frame range
    assert main(["preflight", str(m), "--frames", "1-4"]) == 1
    assert "frames_missing" in capsys.readouterr().out
    assert main(["preflight", str(m), "--frames", "x-y"]) == 1
    assert "--frames 'x-y'" in capsys.readouterr().err


def test_upload_runs_preflight_first_and_sends_nothing_on_errors(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    farm = tmp_path / "farm"
    plat = folder_platform(farm)
    files = make_files(tmp_path / "src", {"ok.exr": 10})
    m = write_manifest(tmp_path / "u.json", [*files, tmp_path / "src" / "missing.exr"])
    assert main(["upload", str(m), "-p", plat]) == 1
    captured = capsys.readouterr()
    assert "ERROR missing:" in captured.out and "--force" in captured.err
    assert not (farm / "input" / "D" / "proj" / "ok.exr").exists()
    assert main(["upload", str(m), "-p", plat, "--force"]) == 1  # sent what exists; the missing one failed
    assert (farm / "input" / "D" / "proj" / "ok.exr").is_file()


def test_upload_strict_blocks_on_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    farm = tmp_path / "farm"
    plat = folder_platform(farm)
    m = write_manifest(tmp_path / "u.json", make_files(tmp_path / "src", {"empty.exr": 0}))
    assert main(["upload", str(m), "-p", plat, "--strict"]) == 1
    assert not (farm / "input" / "D" / "proj" / "empty.exr").exists()
    assert main(["upload", str(m), "-p", plat]) == 0
    assert (farm / "input" / "D" / "proj" / "empty.exr").is_file()
