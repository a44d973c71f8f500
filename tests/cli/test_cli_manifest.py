"""``rfsync cut`` / ``rfsync append`` through main(), and once as a real ``python -m rfsync_core`` process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from testpaths import REPO as REPO_ROOT

from rfsync_core import load_manifest
from rfsync_core.cli.main import main

ROOT = REPO_ROOT


def make(path: Path, n: int) -> Path:
    assets = [{"local": f"/mnt/p/f{i}.exr", "server": f"/mnt/p/f{i}.exr"} for i in range(n)]
    path.write_text(json.dumps({"scene": [], "asset": assets}), encoding="utf-8")
    return path


def test_cut_prints_part_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make(tmp_path / "upload.json", 5)
    assert main(["cut", str(src), "--max", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [str(tmp_path / f"upload_{i}.json") for i in (1, 2, 3)]
    assert all(Path(p).is_file() for p in out)


def test_cut_with_out_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make(tmp_path / "upload.json", 5)
    assert main(["cut", str(src), "--max", "5", "--out", str(tmp_path / "parts")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [str(tmp_path / "parts" / "upload_1.json")]
    assert len(load_manifest(out[0]).asset) == 5


def test_cut_max_zero_is_an_error_naming_the_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = make(tmp_path / "upload.json", 5)
    with pytest.raises(SystemExit) as exc:
        main(["cut", str(src), "--max", "0", "--out", str(tmp_path / "parts")])
    assert exc.value.code == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert len(errors) == 1 and "--max" in errors[0] and "'0'" in errors[0]
    assert not (tmp_path / "parts").exists()


def test_append_prints_count(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.exr").write_text("a")
    (tmp_path / "src" / "b.exr").write_text("b")
    upload = tmp_path / "upload.json"
    assert main(["append", str(upload), str(tmp_path / "src")]) == 0
    assert capsys.readouterr().out.strip() == f"added 2 entries to {upload}"
    assert main(["append", str(upload), str(tmp_path / "src" / "a.exr")]) == 0
    assert capsys.readouterr().out.strip() == f"added 0 entries to {upload}"
    assert len(load_manifest(upload).asset) == 2


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["cut", "{tmp}/nope.json", "--max", "2"], "upload manifest not found"),
        (["cut", "{tmp}/bad.json", "--max", "2"], "invalid JSON at line 1, column 2"),
        (["append", "{tmp}/bad.json", "{tmp}"], "invalid JSON at line 1, column 2"),
        (["append", "{tmp}/upload.json", "{tmp}/missing1", "{tmp}/missing2"], "missing1, {tmp}/missing2"),
    ],
)
def test_errors_are_one_line_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list,
                                    fragment: str) -> None:
    (tmp_path / "bad.json").write_text("{oops")
    code = main([a.format(tmp=tmp_path) for a in argv])
    captured = capsys.readouterr()
    assert code == 1
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("rfsync: error: ")
    assert fragment.format(tmp=tmp_path) in lines[0]
    assert "Traceback" not in captured.err and captured.out == ""
    assert (tmp_path / "bad.json").read_text() == "{oops"


@pytest.mark.parametrize("argv", [["cut", "x.json"], ["cut", "x.json", "--max", "-1"],
                                  ["cut", "x.json", "--max", "two"], ["append", "x.json"]])
def test_usage_errors_exit_2(argv: list, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "Traceback" not in capsys.readouterr().err


def test_real_process(tmp_path: Path) -> None:
    src = make(tmp_path / "upload.json", 3)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    ok = subprocess.run([sys.executable, "-m", "rfsync_core", "cut", str(src), "--max", "2"],
                        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.splitlines() == [str(tmp_path / "upload_1.json"), str(tmp_path / "upload_2.json")]
    bad = subprocess.run([sys.executable, "-m", "rfsync_core", "append", str(src), str(tmp_path / "nope")],
                         capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert bad.returncode == 1
    assert bad.stderr.strip() == f"rfsync: error: not found (nothing added to {src}): {tmp_path / 'nope'}"


USD_SHOT = """#usda 1.0
(
    subLayers = [@./layers/anim.usda@]
)
def "Chair" (references = @./props/chair.usda@) {}
def Shader "Wood"
{
    asset inputs:file = @./tex/wood.<UDIM>.exr@
    asset inputs:gone = @./tex/nope.exr@
}
"""


def _usd_stage(root: Path) -> Path:
    files = {"shot.usda": USD_SHOT, "layers/anim.usda": "#usda 1.0\n", "props/chair.usda": "#usda 1.0\n",
             "tex/wood.1001.exr": "t", "tex/wood.1002.exr": "t"}
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root / "shot.usda"


@pytest.mark.skipif(__import__("importlib").util.find_spec("pxr") is None,
                    reason="pxr not importable: install rfsync[usd] (usd-core) to run the USD tests")
def test_append_follows_usd_dependencies_and_lists_the_missing(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    shot = _usd_stage(tmp_path / "proj")
    upload = tmp_path / "upload.json"
    assert main(["append", str(upload), str(shot)]) == 0
    captured = capsys.readouterr()
    assert "added 5 entries" in captured.out
    assert "nope.exr" in captured.err and captured.err.count("rfsync: missing:") == 1
    doc = json.loads(upload.read_text())
    assert sorted(os.path.relpath(e["local"], shot.parent) for e in doc["asset"]) == [
        "layers/anim.usda", "props/chair.usda", "shot.usda", "tex/wood.1001.exr", "tex/wood.1002.exr"]
    assert doc["missing"] == [str(shot.parent / "tex" / "nope.exr")]
    assert main(["preflight", str(upload)]) == 1  # the missing texture is not forgotten
    assert "nope.exr" in capsys.readouterr().out


def test_append_no_follow_adds_the_usd_file_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shot = _usd_stage(tmp_path / "proj")
    upload = tmp_path / "upload.json"
    assert main(["append", str(upload), str(shot), "--no-follow"]) == 0
    assert "added 1 entry" in capsys.readouterr().out
    doc = json.loads(upload.read_text())
    assert [e["local"] for e in doc["asset"]] == [str(shot)] and "missing" not in doc
