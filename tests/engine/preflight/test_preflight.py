"""preflight: every check on real files in a temp folder, and the report's grouping and pass rule."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import List

import pytest

from rfsync_core.collect import CollectResult
from rfsync_core.manifest import UploadManifest
from rfsync_core.paths import local_to_server
from rfsync_core.preflight import ERROR, INFO, WARNING, PreflightSettings, preflight, report_lines


def touch(path: Path, data: bytes = b"x") -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return str(path)


def codes(report) -> List[str]:  # type: ignore[no-untyped-def]
    return sorted(f.code for f in report.findings)


def test_clean_files_pass_with_totals(tmp_path: Path) -> None:
    files = [touch(tmp_path / "a.exr", b"abc"), touch(tmp_path / "b.abc", b"12345")]
    report = preflight(files)
    assert report.findings == []
    assert (report.total_files, report.total_bytes) == (2, 8)
    assert report.passed(strict=True)
    assert report_lines(report)[0].startswith("preflight: 2 files")


def test_missing_carries_the_hosts_node_and_parameter(tmp_path: Path) -> None:
    ref = str(tmp_path / "tex" / "gone.exr")
    collected = CollectResult(found=[touch(tmp_path / "ok.exr")], missing=[ref],
                              sources={ref: ["file1.fileTextureName"]})
    report = preflight(collected)
    [finding] = report.findings
    assert (finding.severity, finding.code, finding.files, finding.sources) == (
        ERROR, "missing", (ref,), ("file1.fileTextureName",))
    assert "file1.fileTextureName" in finding.line()
    assert not report.passed()


def test_a_manifest_entry_that_vanished_is_missing(tmp_path: Path) -> None:
    gone = str(tmp_path / "gone.exr")
    manifest = UploadManifest(asset=[{"local": gone, "server": local_to_server(gone)}])
    assert codes(preflight(manifest)) == ["missing"]


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0, reason="root reads every file; POSIX modes only")
def test_unreadable_file_and_a_folder(tmp_path: Path) -> None:
    locked = touch(tmp_path / "locked.exr")
    os.chmod(locked, 0)
    folder = tmp_path / "dir.exr"
    folder.mkdir()
    assert codes(preflight([locked, str(folder)])) == ["unreadable", "unreadable"]


def test_a_folder_is_unreadable_as_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "dir.exr"
    folder.mkdir()
    [finding] = preflight([str(folder)]).findings
    assert (finding.code, finding.severity) == ("unreadable", ERROR)


def test_frames_the_render_needs_missing_from_a_sequence(tmp_path: Path) -> None:
    files = [touch(tmp_path / "cache" / f"sim.{f:04d}.abc") for f in (1, 2, 4, 5, 9)]
    report = preflight(files, PreflightSettings(frames=range(1, 6)))
    [finding] = report.findings
    assert finding.code == "frames_missing" and finding.severity == ERROR
    assert "frame 3 " in finding.message and "9" not in finding.message  # only the needed range counts
    assert finding.files == (str(tmp_path / "cache" / "sim.####.abc"),)


def test_sequence_and_udim_gaps_without_a_frame_range(tmp_path: Path) -> None:
    seq = [touch(tmp_path / f"img.{f:04d}.exr") for f in (1, 2, 3, 6)]
    tiles = [touch(tmp_path / f"wood.{t}.exr") for t in (1001, 1002, 1003, 1005)]
    versions = [touch(tmp_path / f"look_v{v:02d}.ma") for v in (1, 3)]  # two files are versions, not a set
    report = preflight(seq + tiles + versions)
    by_code = {f.code: f for f in report.findings}
    assert sorted(by_code) == ["sequence_gap", "udim_gap"]
    assert "4, 5" in by_code["sequence_gap"].message
    assert "tile 1004 " in by_code["udim_gap"].message
    assert all(f.severity == WARNING for f in report.findings)


def test_udim_tiles_keep_gap_warnings_with_a_frame_range(tmp_path: Path) -> None:
    tiles = [touch(tmp_path / f"wood.{t}.exr") for t in (1001, 1003, 1004)]
    assert codes(preflight(tiles, PreflightSettings(frames=range(1, 10)))) == ["udim_gap"]


def test_zero_byte_files(tmp_path: Path) -> None:
    [finding] = preflight([touch(tmp_path / "empty.exr", b""), touch(tmp_path / "full.exr")]).findings
    assert (finding.code, finding.files) == ("zero_bytes", (str(tmp_path / "empty.exr"),))


def test_changed_since_collect(tmp_path: Path) -> None:
    path = touch(tmp_path / "a.exr", b"one")
    collected = CollectResult(found=[path]).record_stats()
    assert preflight(collected).findings == []
    Path(path).write_bytes(b"three")
    assert codes(preflight(collected)) == ["changed"]


def test_changed_since_recorded_in_the_manifest(tmp_path: Path) -> None:
    path = touch(tmp_path / "a.exr", b"one")
    info = os.stat(path)
    entry = {"local": path, "server": local_to_server(path), "size": info.st_size, "mtime_ns": info.st_mtime_ns}
    upload = tmp_path / "upload.json"
    upload.write_text(json.dumps({"asset": [entry]}))
    assert preflight(str(upload)).findings == []
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 10**9))
    assert codes(preflight(str(upload))) == ["changed"]


def test_references_differing_only_in_case_collide(tmp_path: Path) -> None:
    a, b = touch(tmp_path / "Tex.exr"), touch(tmp_path / "tex.exr")
    if os.path.samefile(a, b):
        pytest.skip("this file system folds case")
    [finding] = preflight([a, b]).findings
    assert finding.code == "case_collision" and len(finding.files) == 2


def test_reference_case_differs_from_the_file_on_disk(tmp_path: Path) -> None:
    touch(tmp_path / "wood.exr")
    ref = str(tmp_path / "Wood.exr")
    [finding] = preflight(CollectResult(missing=[ref]) if not os.path.exists(ref) else [ref]).findings
    assert finding.code == "case_mismatch" and "'wood.exr'" in finding.message


def test_paths_longer_than_a_windows_farm_allows(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 120) / ("e" * 120) / "f.exr"
    long_file = touch(deep)
    assert codes(preflight([long_file])) == ["path_too_long"]
    assert preflight([long_file], PreflightSettings(windows_farm=False)).findings == []
    short = touch(tmp_path / "s.exr")
    assert codes(preflight([short], PreflightSettings(farm_root="R:/" + "x" * 300))) == ["path_too_long"]


@pytest.mark.skipif(os.name == "nt", reason="these names cannot be made on Windows")
def test_names_a_windows_farm_rejects(tmp_path: Path) -> None:
    files = [touch(tmp_path / "NUL.txt"), touch(tmp_path / "com1"), touch(tmp_path / "trail. "),
             touch(tmp_path / "dot." / "a.exr"), touch(tmp_path / 'q"uote.exr'), touch(tmp_path / "a:b.exr")]
    report = preflight(files)
    assert sorted(set(codes(report))) == ["bad_characters", "reserved_name", "trailing_dot_space"]
    assert len({f for finding in report.findings for f in finding.files}) == 6


def test_characters_outside_the_platforms_allowed_set(tmp_path: Path) -> None:
    files = [touch(tmp_path / "été.exr"), touch(tmp_path / "plain.exr")]
    [finding] = preflight(files, PreflightSettings(allowed_chars=r"A-Za-z0-9._ \-")).findings
    assert finding.code == "bad_characters" and finding.files == (files[0],)


def test_files_outside_the_project_and_the_roots(tmp_path: Path) -> None:
    inside = touch(tmp_path / "proj" / "a.exr")
    on_share = touch(tmp_path / "share" / "lib.exr")
    stray = touch(tmp_path / "Downloads" / "b.exr")
    settings = PreflightSettings(project_root=str(tmp_path / "proj"), roots=[str(tmp_path / "share")])
    [finding] = preflight([inside, on_share, stray], settings).findings
    assert (finding.code, finding.files) == ("outside_roots", (stray,))


def test_very_large_files_with_their_time_at_the_cap(tmp_path: Path) -> None:
    big = tmp_path / "big.vdb"
    with open(big, "wb") as fh:  # sparse: the size is real, the disk is not used
        fh.truncate(3 * 1024 ** 3)
    [finding] = preflight([str(big)], PreflightSettings(large_file_bytes=1024 ** 3, max_speed=1024)).findings
    assert (finding.code, finding.severity) == ("large_file", INFO)
    assert "3.0 GiB" in finding.message and "51 min" in finding.message  # 3 GiB at 1 MB/s
    assert preflight([str(big)]).findings == []  # under the 4 GiB default


def test_strict_makes_warnings_fatal_and_groups_are_by_cause(tmp_path: Path) -> None:
    report = preflight([touch(tmp_path / "empty.exr", b""), str(tmp_path / "gone.exr")])
    assert [(sev, code, len(items)) for sev, code, items in report.grouped()] == [
        (ERROR, "missing", 1), (WARNING, "zero_bytes", 1)]
    assert not report.passed() and report.passed(ignore={"missing"})
    assert not report.passed(strict=True, ignore={"missing"})
    assert json.loads(json.dumps(report.as_dict()))["findings"][0]["code"] == "missing"


def test_relative_reference_is_missing_not_a_crash(tmp_path: Path) -> None:
    assert codes(preflight(["tex/rel.exr"])) == ["missing"]
    assert sys.platform  # the call above returned without raising


def test_a_udim_layout_of_several_rows_is_not_a_gap(tmp_path: Path) -> None:
    tiles = [touch(tmp_path / f"wood.{t}.exr") for t in (1001, 1002, 1011, 1012, 1021)]
    assert preflight(tiles).findings == []
    holed = [touch(tmp_path / f"rock.{t}.exr") for t in (1001, 1003, 1011)]
    [finding] = preflight(holed).findings
    assert "tile 1002 " in finding.message


def test_frames_from_1001_are_a_sequence_when_the_range_says_so(tmp_path: Path) -> None:
    files = [touch(tmp_path / f"beauty.{f}.exr") for f in (1001, 1002, 1004)]
    [finding] = preflight(files, PreflightSettings(frames=range(1001, 1005))).findings
    assert finding.code == "frames_missing" and "frame 1003 " in finding.message


def test_every_code_the_checks_emit_has_an_artist_title() -> None:
    """The panel groups by these titles: a new check without one would show its raw code."""
    import re

    from testpaths import REPO

    from rfsync_core.preflight import CAUSES, cause_title

    emitted = set()
    for path in (REPO / "rfsync_core" / "preflight").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        emitted |= set(re.findall(r'Finding\((?:ERROR|WARNING|INFO), "([a-z_]+)"', text))
        emitted |= set(re.findall(r'code = [^\n]*"([a-z_]+_gap)"', text))
        emitted |= set(re.findall(r'return "([a-z_]+)", f"', text))
    assert emitted and not emitted - set(CAUSES), sorted(emitted - set(CAUSES))
    assert cause_title("some_new_code") == "some new code"
