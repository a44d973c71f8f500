"""manifest/writer.py: the canonical form and the atomic save (through _files.AtomicFile)."""

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




def test_a_symlink_at_the_target_is_replaced_not_written_through(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    target = tmp_path / "upload.json"
    target.symlink_to(victim)
    manifest = load_manifest(write(tmp_path / "in.json", SEED))
    assert manifest.save(target) == str(target)
    assert victim.read_text(encoding="utf-8") == "keep me\n"  # the linked file is unchanged
    assert not target.is_symlink() and load_manifest(target) == manifest
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "nowhere" / "x.json")
    manifest.save(dangling)
    assert not dangling.is_symlink() and not (tmp_path / "nowhere").exists()


@pytest.mark.parametrize("planted", ["file", "symlink"])
def test_an_existing_temp_name_is_never_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               planted: str) -> None:
    from rfsync_core import _files

    target = write(tmp_path / "upload.json", SEED)
    before = target.read_bytes()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    temp = tmp_path / ".upload.json.rfsync-000000000000.tmp"
    if planted == "file":
        temp.write_text("someone else's temp\n", encoding="utf-8")
    else:
        temp.symlink_to(victim)
    monkeypatch.setattr(_files, "temp_name", lambda _target: str(temp))  # every temp name collides
    with pytest.raises(ManifestError, match=r"cannot write .*upload\.json: File exists"):
        load_manifest(target).save(target)
    assert target.read_bytes() == before
    assert victim.read_text(encoding="utf-8") == "keep me\n"
    if planted == "file":
        assert temp.read_text(encoding="utf-8") == "someone else's temp\n"  # neither reused nor removed
    else:
        assert temp.is_symlink()
    assert sorted(os.listdir(tmp_path)) == sorted(["upload.json", "victim.txt", temp.name])


def test_leftover_temps_beside_the_target_are_left_alone(tmp_path: Path) -> None:
    target = write(tmp_path / "upload.json", SEED)
    old_style = tmp_path / ".upload.json.0123456789ab.tmp"
    ours = tmp_path / ".upload.json.rfsync-0123456789ab.tmp"
    for leftover in (old_style, ours):
        leftover.write_text("leftover\n", encoding="utf-8")
    load_manifest(target).save(target)
    assert old_style.read_text(encoding="utf-8") == ours.read_text(encoding="utf-8") == "leftover\n"
    assert sorted(os.listdir(tmp_path)) == sorted(["upload.json", old_style.name, ours.name])
