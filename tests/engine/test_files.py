"""rfsync_core._files: the one way rfsync creates files beside the user's (no link followed, no name reused)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from rfsync_core import _files
from rfsync_core._files import TEMP_RE, AtomicFile, create_new, is_md5, md5_file, write_atomic, write_json_atomic

posix_only = pytest.mark.skipif(os.name == "nt", reason="symlinks and modes need POSIX")


def test_write_atomic_replaces_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "a.json"
    target.write_text("old", encoding="utf-8")
    write_json_atomic(str(target), {"b": 1, "a": [1]})
    assert target.read_text(encoding="utf-8") == '{\n  "a": [\n    1\n  ],\n  "b": 1\n}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]


def test_a_failed_write_keeps_the_old_file_and_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_text("good", encoding="utf-8")

    def boom(fh: object) -> None:
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        write_atomic(str(target), boom)
    assert target.read_text(encoding="utf-8") == "good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


@posix_only
def test_a_symlink_at_the_target_is_replaced_not_written_through(tmp_path: Path) -> None:
    outside = tmp_path / "outside" / "secret.txt"
    outside.parent.mkdir()
    outside.write_text("precious", encoding="utf-8")
    outside.chmod(0o640)
    folder = tmp_path / "chosen"
    folder.mkdir()
    target = folder / "state.json"
    target.symlink_to(outside)
    write_atomic(str(target), b"new")
    assert outside.read_text(encoding="utf-8") == "precious"
    assert not target.is_symlink() and target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) != 0o640 or os.umask(0o022) & 0o137 == 0o137


@posix_only
def test_an_existing_name_or_link_is_never_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    outside = tmp_path / "victim"
    outside.write_text("precious", encoding="utf-8")
    planted = tmp_path / "planted"
    planted.symlink_to(outside)
    with pytest.raises(FileExistsError):
        os.close(create_new(str(planted)))
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "nowhere")
    with pytest.raises(FileExistsError):
        os.close(create_new(str(dangling)))
    assert not (tmp_path / "nowhere").exists()
    # an AtomicFile whose temp name is already taken (a planted link) fails and touches nothing
    monkeypatch.setattr(_files, "temp_name", lambda target: str(planted))
    with pytest.raises(FileExistsError):
        AtomicFile(str(tmp_path / "doc.json"))
    assert outside.read_text(encoding="utf-8") == "precious"
    assert not (tmp_path / "doc.json").exists()


@posix_only
def test_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "m.txt"
    target.write_text("x", encoding="utf-8")
    target.chmod(0o600)
    write_atomic(str(target), "y")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_temp_names_are_hidden_and_recognisable(tmp_path: Path) -> None:
    name = os.path.basename(_files.temp_name(str(tmp_path / ("x" * 300))))
    assert TEMP_RE.match(name) and len(name) < 140


def test_md5_helpers(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"abc")
    assert md5_file(str(path), chunk=1) == "900150983cd24fb0d6963f7d28e17f72"
    assert is_md5('"900150983CD24FB0D6963F7D28E17F72"')
    assert not is_md5("900150983cd24fb0d6963f7d28e17f72-2")
