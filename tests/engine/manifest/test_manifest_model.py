"""UploadManifest (manifest/model.py): loading with precise errors, entries(), checks before saving."""

from __future__ import annotations

import json
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


def test_the_package_re_exports_what_its_modules_own() -> None:
    import rfsync_core
    from rfsync_core import manifest
    from rfsync_core.manifest import append, cut, model

    owners = {"UploadManifest": model, "load_manifest": model, "cutting_upload": cut, "CUT_MARKER": cut,
              "append_to_upload": append}
    assert sorted(manifest.__all__) == sorted(owners)
    for name, owner in owners.items():
        assert getattr(manifest, name) is getattr(owner, name)
        if name != "CUT_MARKER":
            assert getattr(rfsync_core, name) is getattr(owner, name)
