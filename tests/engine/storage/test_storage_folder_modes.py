"""Objects on a folder platform are readable by the farm's other users (what the umask allows, like ``cp``)."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from rfsync_core.storage.folder import FolderStorage

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_put_objects_get_the_umask_mode_not_owner_only(tmp_path: Path, umask_022: None) -> None:
    folder = FolderStorage(tmp_path / "root")
    src = tmp_path / "tex.exr"
    src.write_bytes(b"pixels" * 100)
    folder.put_file("proj/tex.exr", str(src))
    folder.put_bytes("proj/task.json", b"{}")
    assert _mode(tmp_path / "root" / "proj" / "tex.exr") == 0o644
    assert _mode(tmp_path / "root" / "proj" / "task.json") == 0o644


def test_a_multipart_object_gets_the_umask_mode_too(tmp_path: Path, umask_022: None) -> None:
    folder = FolderStorage(tmp_path / "root")
    upload_id = folder.create_multipart("big/cache.abc")
    src = tmp_path / "cache.abc"
    src.write_bytes(os.urandom(1536))
    parts = [folder.upload_part("big/cache.abc", upload_id, 1, str(src), 0, 1024),
             folder.upload_part("big/cache.abc", upload_id, 2, str(src), 1024, 512)]
    folder.complete_multipart("big/cache.abc", upload_id, parts)
    assert _mode(tmp_path / "root" / "big" / "cache.abc") == 0o644


def test_a_strict_umask_still_wins(tmp_path: Path) -> None:
    old = os.umask(0o077)
    try:
        FolderStorage(tmp_path / "root").put_bytes("k.txt", b"x")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "root" / "k.txt") == 0o600
