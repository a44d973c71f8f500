"""``rfsync platforms``: lists platforms, marks the default, never shows credentials."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from rfsync_core.cli.main import main

SECRET = "s3cr3t-VALUE-must-never-show-0123456789"
ACCESS = "AKIAEXAMPLEACCESS1234"


def write_user(platforms: object) -> Path:
    path = Path(os.environ["RFSYNC_CONFIG_DIR"]) / "platforms.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(platforms), encoding="utf-8")
    return path


@pytest.fixture
def farms(monkeypatch: pytest.MonkeyPatch) -> Path:
    """A user file with an s3 and a folder platform, and credentials everywhere they can be."""
    path = write_user({
        "minio": {"engine": "s3", "endpoint": "http://127.0.0.1:9000", "bucket": "renders", "prefix": "farm",
                  "server_name": "Studio MinIO", "note": "kept"},
        "nas": {"engine": "folder", "root": "/mnt/nas/farm"},
    })
    creds = path.parent / "credentials.json"
    creds.write_text(json.dumps({"minio": {"access_key": ACCESS, "secret_key": SECRET}}))
    os.chmod(creds, 0o600)
    monkeypatch.setenv("RFSYNC_ACCESS_KEY", ACCESS)
    monkeypatch.setenv("RFSYNC_SECRET_KEY", SECRET)
    return path


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = main(["platforms", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_table_lists_platforms_with_engine_source_and_location(farms: Path, capsys: pytest.CaptureFixture,
                                                               isolated_home: Path) -> None:
    code, out, _ = run(capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["NAME", "ENGINE", "SERVER", "LOCATION", "DEFINED", "IN"]
    by_name = {line[3:].split()[0]: line for line in lines[1:]}
    assert set(by_name) == {"local", "minio", "nas"}
    assert by_name["local"].startswith("*")  # the default
    assert str(isolated_home / "renderfarm_sdk" / "farm") in by_name["local"]
    assert "built-in" in by_name["local"]
    assert "http://127.0.0.1:9000/renders/farm" in by_name["minio"]
    assert "Studio MinIO" in by_name["minio"]
    assert f"user ({farms})" in by_name["minio"]
    assert "folder" in by_name["nas"] and "/mnt/nas/farm" in by_name["nas"]
    assert SECRET not in out and ACCESS not in out


def test_json_output_never_has_credentials(farms: Path, capsys: pytest.CaptureFixture,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RFSYNC_PLATFORM", "minio")
    code, out, _ = run(capsys, "--json")
    assert code == 0
    rows = {row["name"]: row for row in json.loads(out)}
    assert rows["minio"]["default"] is True and rows["local"]["default"] is False
    assert rows["minio"]["endpoint"] == "http://127.0.0.1:9000"
    assert rows["minio"]["bucket"] == "renders"
    assert rows["minio"]["option_keys"] == ["note"]
    assert rows["minio"]["source"] == str(farms)
    assert rows["nas"]["root"] == "/mnt/nas/farm"
    assert SECRET not in out and ACCESS not in out
    assert "access_key" not in out and "secret_key" not in out


def test_files_lists_layers_in_precedence_order(tmp_path: Path, capsys: pytest.CaptureFixture,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RFSYNC_STUDIO_DIR", str(tmp_path / "studio"))
    monkeypatch.setenv("RFSYNC_PLATFORMS_FILE", str(tmp_path / "extra.json"))
    write_user({})
    code, out, _ = run(capsys, "--files", "--json")
    assert code == 0
    files = json.loads(out)
    assert [f["layer"] for f in files] == ["built-in", "studio", "user", "RFSYNC_PLATFORMS_FILE"]
    assert [f["exists"] for f in files] == [True, False, True, False]
    assert files[1]["path"] == str(tmp_path / "studio" / "platforms.json")
    code, out, _ = run(capsys, "--files")
    assert code == 0
    assert out.splitlines()[0].split() == ["LAYER", "EXISTS", "PATH"]
    assert str(tmp_path / "extra.json") in out


def test_malformed_file_is_one_line_error(capsys: pytest.CaptureFixture) -> None:
    path = write_user({"bad": {"engine": "ftp"}})
    code, out, err = run(capsys)
    assert code == 1
    assert out == ""
    assert err.strip() == f"rfsync: error: {path}: platform 'bad': unknown engine 'ftp' (use one of folder, s3)"


def test_undefined_default_platform_is_reported(capsys: pytest.CaptureFixture,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RFSYNC_PLATFORM", "missing")
    code, out, _ = run(capsys)
    assert code == 1
    assert "The default platform 'missing' (RFSYNC_PLATFORM) is not defined." in out
    assert "local" in out
