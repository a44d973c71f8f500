"""local_to_server's table, input_key, and safe_join's refusals (including symlink escapes)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from rfsync_core.errors import LocalPathError, UnsafePathError
from rfsync_core.paths import input_key, local_to_server, safe_join


@pytest.mark.parametrize(
    ("local", "server"),
    [
        ("D:\\proj\\a.exr", "/D/proj/a.exr"),
        ("D:/proj/a.exr", "/D/proj/a.exr"),
        ("\\\\nas01\\share\\a.exr", "/nas01/share/a.exr"),
        ("//nas01/share/a.exr", "/nas01/share/a.exr"),
        ("/mnt/proj/a.exr", "/mnt/proj/a.exr"),
        ("d:\\proj\\a.exr", "/d/proj/a.exr"),  # drive letter case kept, as the seed
        ("D:\\proj/sub\\a.exr", "/D/proj/sub/a.exr"),  # mixed separators
        ("D:\\\\proj//sub\\/a.exr", "/D/proj/sub/a.exr"),  # repeated separators collapse
        ("/mnt//proj///a.exr", "/mnt/proj/a.exr"),
        ("D:\\my proj\\a b.exr", "/D/my proj/a b.exr"),  # spaces
        ("D:\\проект\\テクスチャ\\été.exr", "/D/проект/テクスチャ/été.exr"),  # non-ASCII untouched
        ("/mnt/proj/tex/", "/mnt/proj/tex"),  # trailing separator dropped
        ("D:\\proj\\..\\b\\.\\a.exr", "/D/b/a.exr"),  # dots resolved lexically
        ("\\\\?\\D:\\proj\\a.exr", "/D/proj/a.exr"),  # extended-length prefix
        ("\\\\?\\UNC\\nas01\\share\\a.exr", "/nas01/share/a.exr"),
        ("D:\\", "/D"),
    ],
)
def test_local_to_server_table(local: str, server: str) -> None:
    assert local_to_server(local) == server


def test_local_to_server_accepts_pathlike(tmp_path: Path) -> None:
    assert local_to_server(tmp_path / "x.exr") == str(tmp_path / "x.exr")


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        ("proj\\a.exr", "relative"),
        ("a.exr", "relative"),
        ("./a.exr", "relative"),
        ("C:foo\\a.exr", "drive-relative"),
        ("C:", "drive-relative"),
        ("", "empty"),
        ("/", "only a root"),
        ("D:\\..\\a.exr", "climbs above"),
        ("/mnt/\x00/a", "NUL"),
        ("\\\\.\\PhysicalDrive0", "device"),
    ],
)
def test_local_to_server_refuses(bad: str, fragment: str) -> None:
    with pytest.raises(LocalPathError) as err:
        local_to_server(bad)
    assert fragment in str(err.value)
    if bad:
        assert repr(bad) in str(err.value)  # names the path


def test_input_key() -> None:
    assert input_key("/D/proj/a.exr") == "input/D/proj/a.exr"
    assert input_key("/mnt//proj/é.exr") == "input/mnt/proj/é.exr"
    assert input_key(local_to_server("\\\\nas01\\share\\a.exr")) == "input/nas01/share/a.exr"


@pytest.mark.parametrize("bad", ["", "/", "/D/../etc/passwd", "/D/./a", "/D\\a", "/D/\x00"])
def test_input_key_refuses(bad: str) -> None:
    with pytest.raises(UnsafePathError):
        input_key(bad)


def test_safe_join_ok(tmp_path: Path) -> None:
    got = safe_join(tmp_path, "123_sh010/beauty/sh010.0001.exr")
    assert got == os.path.join(str(tmp_path), "123_sh010", "beauty", "sh010.0001.exr")
    assert safe_join(str(tmp_path), "été/a b.exr") == os.path.join(str(tmp_path), "été", "a b.exr")
    assert safe_join(tmp_path, "a..b/..c") == os.path.join(str(tmp_path), "a..b", "..c")


@pytest.mark.parametrize(
    ("key", "fragment"),
    [
        ("../x", "'..' segment"),
        ("a/../../x", "'..' segment"),
        ("a/..", "'..' segment"),
        ("./a", "'.' segment"),
        (".. /a", "segment"),
        ("a/...", "segment"),
        ("/etc/passwd", "absolute"),
        ("C:/Windows/x", "drive letter"),
        ("c:x", "drive letter"),
        ("a\\..\\..\\x", "backslash"),
        ("\\\\server\\share", "backslash"),
        ("a/\x00b", "NUL"),
        ("", "empty"),
        ("a//b", "empty segment"),
        ("a/", "empty segment"),
    ],
)
def test_safe_join_refuses(tmp_path: Path, key: str, fragment: str) -> None:
    with pytest.raises(UnsafePathError) as err:
        safe_join(tmp_path, key)
    message = str(err.value)
    assert fragment in message
    assert repr(key) in message and str(tmp_path) in message  # names key and root


def test_safe_join_refuses_symlink_escape(tmp_path: Path) -> None:
    root = tmp_path / "root"
    outside = tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    (root / "link").symlink_to(outside, target_is_directory=True)
    (root / "filelink").symlink_to(outside / "secret.txt")
    with pytest.raises(UnsafePathError, match="outside the root"):
        safe_join(root, "link/secret.txt")
    with pytest.raises(UnsafePathError, match="outside the root"):
        safe_join(root, "filelink")


def test_safe_join_allows_symlink_inside_root_and_symlinked_root(tmp_path: Path) -> None:
    real_root = tmp_path / "real"
    (real_root / "inside").mkdir(parents=True)
    (real_root / "alias").symlink_to(real_root / "inside", target_is_directory=True)
    assert safe_join(real_root, "alias/a.exr") == os.path.join(str(real_root), "alias", "a.exr")
    root_link = tmp_path / "root_link"
    root_link.symlink_to(real_root, target_is_directory=True)
    assert safe_join(root_link, "inside/a.exr") == os.path.join(str(root_link), "inside", "a.exr")


def test_safe_join_refuses_empty_root() -> None:
    with pytest.raises(UnsafePathError):
        safe_join("", "a.exr")


def test_safe_joiner_agrees_with_safe_join_and_catches_a_file_symlink_in_a_known_folder(tmp_path: Path) -> None:
    from rfsync_core.paths import SafeJoiner

    root = tmp_path / "root"
    (root / "shots" / "sh010").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    joiner = SafeJoiner(root)
    for key in ["shots/sh010/a.exr", "shots/sh010/b.exr", "new/deep/c.exr", "x.txt"]:
        assert joiner.join(key) == safe_join(root, key)
    # a file symlink out of the root, in a folder the joiner has already resolved
    (root / "shots" / "sh010" / "evil.exr").symlink_to(outside / "secret.exr")
    for join in (joiner.join, lambda k: safe_join(root, k)):
        with pytest.raises(UnsafePathError):
            join("shots/sh010/evil.exr")
    for bad in ["../x", "a//b", "/abs", "a\\b", ""]:
        with pytest.raises(UnsafePathError):
            joiner.join(bad)
