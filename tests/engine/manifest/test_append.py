"""append_to_upload: files and folders, skips, symlink loops, and every bad input leaving the file alone."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any, Dict, List

import pytest

from rfsync_core import append_to_upload, load_manifest, local_to_server
from rfsync_core.errors import LocalPathError, ManifestError


def touch(path: Path, text: str = "x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def servers(upload: Path) -> List[str]:
    return [entry["server"] for entry in load_manifest(upload).asset]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    touch(root / "tex" / "wood.exr")
    touch(root / "tex" / ".hidden.exr")
    touch(root / "tex" / "sub" / "deep" / "été 01.exr")
    touch(root / ".cache" / "a.bin")
    touch(root / "scene.ma")
    return root


def test_adds_files_and_folders_recursively_with_hidden(tmp_path: Path, tree: Path) -> None:
    upload = tmp_path / "upload.json"
    added = append_to_upload([str(tree / "scene.ma"), str(tree / "tex"), tree / ".cache"], str(upload))
    assert added == 5
    manifest = load_manifest(upload)
    locals_ = [e["local"] for e in manifest.asset]
    assert locals_ == [str(tree / "scene.ma"), str(tree / "tex" / ".hidden.exr"), str(tree / "tex" / "wood.exr"),
                       str(tree / "tex" / "sub" / "deep" / "été 01.exr"), str(tree / ".cache" / "a.bin")]
    assert all(e["server"] == local_to_server(e["local"]) for e in manifest.asset)


def test_single_path_string_and_relative_path(tmp_path: Path, tree: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    upload = tmp_path / "upload.json"
    assert append_to_upload(str(tree / "scene.ma"), upload) == 1
    monkeypatch.chdir(tree)
    assert append_to_upload("tex/wood.exr", upload) == 1
    assert servers(upload) == [str(tree / "scene.ma"), str(tree / "tex" / "wood.exr")]


def test_existing_entries_skipped_and_file_not_rewritten(tmp_path: Path, tree: Path) -> None:
    upload = tmp_path / "upload.json"
    scene_entry = {"local": str(tree / "scene.ma"), "server": local_to_server(str(tree / "scene.ma"))}
    upload.write_text(json.dumps({"scene": [scene_entry], "asset": []}))
    assert append_to_upload([tree / "tex", tree / "tex" / "wood.exr", tree / "scene.ma"], upload) == 3
    before = upload.read_bytes()
    mtime = os.stat(upload).st_mtime_ns
    assert append_to_upload([tree], upload) == 1  # only .cache/a.bin is new
    assert append_to_upload([tree], upload) == 0
    assert len(servers(upload)) == 4
    assert load_manifest(upload).scene == [scene_entry]
    assert before != upload.read_bytes()
    mtime = os.stat(upload).st_mtime_ns
    append_to_upload(tree / "tex", upload)
    assert os.stat(upload).st_mtime_ns == mtime  # nothing new -> not rewritten


def test_symlink_loops_survive_and_linked_folders_followed_once(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    library = tmp_path / "library"
    touch(root / "a.exr")
    touch(library / "lib.exr")
    (root / "loop").symlink_to(root, target_is_directory=True)  # proj/loop -> proj
    (root / "lib").symlink_to(library, target_is_directory=True)
    (library / "back").symlink_to(root, target_is_directory=True)  # a longer loop through the library
    (root / "dangling").symlink_to(tmp_path / "gone")  # broken link: skipped
    upload = tmp_path / "upload.json"
    added = append_to_upload(root, upload)
    assert added == 2
    assert servers(upload) == [str(root / "a.exr"), str(root / "lib" / "lib.exr")]


def test_missing_paths_all_named_nothing_written(tmp_path: Path, tree: Path) -> None:
    upload = tmp_path / "upload.json"
    upload.write_text(json.dumps({"asset": []}))
    before = upload.read_bytes()
    with pytest.raises(LocalPathError) as err:
        append_to_upload([tree / "scene.ma", tmp_path / "nope1.exr", str(tmp_path / "gone" / "nope2")], upload)
    assert str(tmp_path / "nope1.exr") in str(err.value) and str(tmp_path / "gone" / "nope2") in str(err.value)
    assert upload.read_bytes() == before
    fresh = tmp_path / "fresh.json"
    with pytest.raises(LocalPathError):
        append_to_upload(tmp_path / "nope", fresh)
    assert not fresh.exists()


@pytest.mark.parametrize("text", ["{not json", '{"asset": {"local": 1}}', '{"asset": [{"local": "/a"}]}', "",
                                  "[]"])
def test_invalid_manifest_is_an_error_and_untouched(tmp_path: Path, tree: Path, text: str) -> None:
    upload = tmp_path / "upload.json"
    upload.write_text(text)
    with pytest.raises(ManifestError) as err:
        append_to_upload(tree, upload)
    assert str(upload) in str(err.value)
    assert upload.read_text() == text
    assert sorted(os.listdir(tmp_path)) == ["proj", "upload.json"]


def test_manifest_without_asset_gets_one_and_keeps_the_rest(tmp_path: Path, tree: Path) -> None:
    upload = tmp_path / "upload.json"
    data: Dict[str, Any] = {"scene": [{"local": "D:/s.ma", "server": "/D/s.ma", "hash": "h"}], "studio": [1]}
    upload.write_text(json.dumps(data))
    assert append_to_upload(tree / "scene.ma", upload) == 1
    manifest = load_manifest(upload)
    assert manifest.scene == data["scene"] and manifest.extra == {"studio": [1]}
    assert manifest.asset == [{"local": str(tree / "scene.ma"), "server": str(tree / "scene.ma")}]


def test_new_manifest_created_but_not_its_folder(tmp_path: Path, tree: Path) -> None:
    upload = tmp_path / "new.json"
    assert append_to_upload([], upload) == 0
    assert load_manifest(upload).asset == []
    with pytest.raises(ManifestError, match="does not exist"):
        append_to_upload(tree / "scene.ma", tmp_path / "no" / "upload.json")
    assert not (tmp_path / "no").exists()


def test_bad_path_values(tmp_path: Path) -> None:
    with pytest.raises(LocalPathError, match="empty"):
        append_to_upload([""], tmp_path / "u.json")
    with pytest.raises(LocalPathError, match="bytes"):
        append_to_upload([b"/tmp"], tmp_path / "u.json")  # type: ignore[list-item]
    assert not (tmp_path / "u.json").exists()


def test_appending_the_folder_that_holds_the_manifest_never_lists_the_manifest(tmp_path: Path) -> None:
    proj = tmp_path / "proj"
    proj.mkdir()
    (proj / "a.exr").write_bytes(b"a")
    target = proj / "upload.json"
    assert append_to_upload(str(proj), str(target)) == 1
    assert append_to_upload(str(proj), str(target)) == 0
    locals_ = [e["local"] for e in load_manifest(str(target)).asset]
    assert locals_ == [str(proj / "a.exr")]


def test_a_new_manifest_gets_the_permissions_the_umask_gives(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        (tmp_path / "a.exr").write_bytes(b"a")
        append_to_upload(str(tmp_path / "a.exr"), str(tmp_path / "new.json"))
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.json").stat().st_mode) == 0o640
