"""A platform's known ``roots``: validated where they are read, and used by preflight's outside-the-roots check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from upload_util import folder_platform, make_files

from rfsync_core.cli.main import main
from rfsync_core.config.platforms import get_platform
from rfsync_core.errors import ConfigError
from rfsync_core.manifest import UploadManifest


def test_roots_are_read_and_normalised(tmp_path: Path) -> None:
    shares = tmp_path / "shares"
    plat = folder_platform(tmp_path / "farm", roots=[str(shares / "tex") + "/", "D:/proj", "~/assets"])
    roots = get_platform(plat).roots
    assert roots[0] == str(shares / "tex")
    assert roots[1].replace("\\", "/") == "D:/proj"  # a Windows root of a studio file: accepted everywhere
    assert roots[2] == str(Path.home() / "assets")
    assert "roots" not in get_platform(plat).options


@pytest.mark.parametrize("value, says", [
    ("/mnt/proj", "'roots' must be a list of absolute folder paths, not a string"),
    (["relative/tex"], "'roots' item 1 must be an absolute folder path, got 'relative/tex'"),
    (["/mnt/a", 3], "'roots' item 2 must be a non-empty string, not a number"),
    ([""], "'roots' item 1 must be a non-empty string"),
])
def test_bad_roots_are_one_line_naming_file_platform_and_key(tmp_path: Path, value: object, says: str) -> None:
    folder_platform(tmp_path / "farm", name="studio", roots=value)
    with pytest.raises(ConfigError) as err:
        get_platform("studio")
    message = str(err.value)
    assert "\n" not in message and "platforms.json: platform 'studio': " in message and says in message


def _manifest(tmp_path: Path, files: list) -> str:
    path = tmp_path / "u.json"
    UploadManifest(asset=[{"local": str(p), "server": "/x/" + p.name} for p in files]).save(path)
    return str(path)


def test_preflight_reads_the_chosen_platforms_roots(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inside = make_files(tmp_path / "mapped", {"a.exr": 3})
    stray = make_files(tmp_path / "desktop", {"b.exr": 3})
    plat = folder_platform(tmp_path / "farm", roots=[str(tmp_path / "mapped")])
    m = _manifest(tmp_path, inside + stray)
    assert main(["preflight", m, "--platform", plat, "--strict"]) == 1
    rows = [line for line in capsys.readouterr().out.splitlines() if "outside_roots" in line]
    assert len(rows) == 1 and "desktop" in rows[0] and "mapped" not in rows[0]
    assert main(["preflight", m, "--platform", plat, "--strict", "--root", str(tmp_path / "desktop")]) == 0


def test_upload_preflight_reads_the_platforms_roots(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stray = make_files(tmp_path / "desktop", {"b.exr": 3})
    farm = tmp_path / "farm"
    plat = folder_platform(farm, roots=[str(tmp_path / "mapped")])
    assert main(["upload", _manifest(tmp_path, stray), "-p", plat, "--strict", "--no-db"]) == 1
    captured = capsys.readouterr()
    assert "outside_roots" in captured.out and "nothing was sent" in captured.err
    assert not (farm / "input").exists()


def test_a_bad_roots_setting_stops_preflight_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = make_files(tmp_path / "src", {"a.exr": 3})
    plat = folder_platform(tmp_path / "farm", roots=json.loads('{"a": 1}'))
    assert main(["preflight", _manifest(tmp_path, files), "--platform", plat]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "'roots' must be a list" in err and "Traceback" not in err
