"""UploadManifest: loading (with precise errors), canonical atomic saving, entries()."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from rfsync_core import UploadManifest, load_manifest
from rfsync_core.errors import ManifestError

SEED = {
    "scene": [{"local": "D:/proj/sh010.ma", "server": "/D/proj/sh010.ma", "hash": "abc123"}],
    "asset": [
        {"local": "D:/proj/tex/wood.exr", "server": "/D/proj/tex/wood.exr"},
        {"local": "D:/proj/tex/été.exr", "server": "/D/proj/tex/été.exr", "size": 12},
    ],
    "studio_note": {"by": "lead", "tags": ["a", "b"]},
}


def write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, indent=4), encoding="utf-8")
    return path


def test_load_seed_format_and_entries(tmp_path: Path) -> None:
    manifest = load_manifest(write(tmp_path / "upload.json", SEED))
    assert manifest.scene == SEED["scene"]
    assert manifest.asset == SEED["asset"]
    assert manifest.extra == {"studio_note": SEED["studio_note"]}
    assert list(manifest.entries()) == [
        ("D:/proj/sh010.ma", "/D/proj/sh010.ma"),
        ("D:/proj/tex/wood.exr", "/D/proj/tex/wood.exr"),
        ("D:/proj/tex/été.exr", "/D/proj/tex/été.exr"),
    ]


def test_load_without_scene_or_asset(tmp_path: Path) -> None:
    manifest = load_manifest(write(tmp_path / "a.json", {"asset": SEED["asset"]}))
    assert manifest.scene == [] and len(manifest.asset) == 2
    empty = load_manifest(write(tmp_path / "b.json", {}))
    assert empty.scene == [] and empty.asset == [] and list(empty.entries()) == []


def test_load_accepts_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "upload.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(SEED).encode("utf-8"))
    assert load_manifest(path).asset == SEED["asset"]


def test_invalid_json_names_file_line_column(tmp_path: Path) -> None:
    path = tmp_path / "upload.json"
    path.write_text('{\n  "asset": [\n    {"local": "a", "server": "/a"}\n    {"local": "b"}\n  ]\n}\n')
    with pytest.raises(ManifestError) as err:
        load_manifest(path)
    assert str(path) in str(err.value)
    assert "line 4, column 5" in str(err.value)


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ([1, 2], "top level must be a JSON object, not a list"),
        ({"asset": {"local": "a"}}, "'asset' must be a list, not an object"),
        ({"scene": "x.ma"}, "'scene' must be a list, not a string"),
        ({"asset": [{"local": "/a", "server": "/a"}] * 12 + ["oops"]}, "asset[12] must be an object"),
        ({"asset": [{"local": "/a"}]}, "asset[0] 'server' must be a non-empty string (missing)"),
        ({"asset": [{"local": "/a", "server": ""}]}, "asset[0] 'server' must be a non-empty string"),
        ({"scene": [{"local": 5, "server": "/a"}]}, "scene[0] 'local' must be a non-empty string (a number 5)"),
        ({"asset": [{"local": None, "server": "/a"}]}, "asset[0] 'local' must be a non-empty string (null"),
    ],
)
def test_wrong_shape_names_entry_and_fault(tmp_path: Path, data: object, fragment: str) -> None:
    path = write(tmp_path / "upload.json", data)
    with pytest.raises(ManifestError) as err:
        load_manifest(path)
    assert fragment in str(err.value)
    assert str(path) in str(err.value)


def test_missing_folder_and_non_utf8(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="not found"):
        load_manifest(tmp_path / "nope.json")
    with pytest.raises(ManifestError, match="is a folder"):
        load_manifest(tmp_path)
    bad = tmp_path / "latin1.json"
    bad.write_bytes('{"asset": [{"local": "/é", "server": "/é"}]}'.encode("latin-1"))
    with pytest.raises(ManifestError, match="not UTF-8"):
        load_manifest(bad)


EXPECTED_CANONICAL = """{
  "asset": [
    {"local": "D:/proj/tex/wood.exr", "server": "/D/proj/tex/wood.exr"},
    {"local": "D:/proj/tex/été.exr", "server": "/D/proj/tex/été.exr", "size": 12}
  ],
  "scene": [
    {"hash": "abc123", "local": "D:/proj/sh010.ma", "server": "/D/proj/sh010.ma"}
  ],
  "studio_note": {"by": "lead", "tags": ["a", "b"]}
}
"""


def test_save_is_canonical_utf8_and_round_trips(tmp_path: Path) -> None:
    src = write(tmp_path / "in.json", SEED)
    out = tmp_path / "out.json"
    returned = load_manifest(src).save(out)
    assert returned == str(out)
    raw = out.read_bytes()
    assert raw.decode("utf-8") == EXPECTED_CANONICAL
    assert "été".encode() in raw and b"\\u" not in raw  # non-ASCII kept as is
    assert load_manifest(out) == load_manifest(src)
    # same content in another key order and layout -> the same bytes
    shuffled = {"studio_note": SEED["studio_note"], "asset": SEED["asset"], "scene": SEED["scene"]}
    other = tmp_path / "other.json"
    other.write_text(json.dumps(shuffled, ensure_ascii=True), encoding="utf-8")
    out2 = tmp_path / "out2.json"
    load_manifest(other).save(out2)
    assert out2.read_bytes() == raw


def test_save_empty_manifest_writes_both_lists(tmp_path: Path) -> None:
    out = tmp_path / "u.json"
    UploadManifest().save(out)
    assert out.read_text(encoding="utf-8") == '{\n  "asset": [],\n  "scene": []\n}\n'


def test_save_failure_leaves_file_untouched_and_no_temp(tmp_path: Path) -> None:
    out = write(tmp_path / "upload.json", SEED)
    before = out.read_bytes()
    broken = load_manifest(out)
    broken.extra["bad"] = object()  # not JSON-serialisable: fails mid-write
    with pytest.raises(TypeError):
        broken.save(out)
    assert out.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["upload.json"]


def test_save_keeps_existing_mode_and_uses_umask_for_new(tmp_path: Path) -> None:
    out = write(tmp_path / "upload.json", SEED)
    os.chmod(out, 0o640)
    load_manifest(out).save(out)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o640
    new = tmp_path / "new.json"
    old_umask = os.umask(0o022)
    os.umask(old_umask)
    UploadManifest().save(new)
    assert stat.S_IMODE(os.stat(new).st_mode) == 0o666 & ~old_umask


def test_save_into_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="does not exist"):
        UploadManifest().save(tmp_path / "no" / "such" / "upload.json")


def test_facade_exports() -> None:
    import rfsync_core

    for name in ("UploadManifest", "load_manifest", "cutting_upload", "append_to_upload", "local_to_server",
                 "safe_join"):
        assert callable(getattr(rfsync_core, name))


def test_save_refuses_invalid_entries(tmp_path: Path) -> None:
    out = tmp_path / "u.json"
    with pytest.raises(ManifestError, match=r"asset\[1\] 'server' must be a non-empty string"):
        UploadManifest(asset=[{"local": "/a", "server": "/a"}, {"local": "/b"}]).save(out)
    assert not out.exists()
