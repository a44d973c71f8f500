"""Folder engine specifics: temp-then-rename writes, change detection, multipart layout, listing hygiene."""

from __future__ import annotations

import hashlib
import io
import os
import sys
import threading
from pathlib import Path
from typing import List

import pytest

from rfsync_core.errors import (
    AccessDeniedError,
    ChangedDuringTransferError,
    NotFoundError,
    StorageError,
    UnsafePathError,
)
from rfsync_core.storage.folder import MULTIPART_DIR, FolderStorage

MiB = 1024 * 1024


@pytest.fixture
def folder(tmp_path: Path) -> FolderStorage:
    return FolderStorage(tmp_path / "root", chunk_size=256 * 1024)


def files_under(root: Path) -> List[str]:
    return sorted(str(p.relative_to(root)).replace(os.sep, "/") for p in root.rglob("*") if p.is_file())


def test_writes_go_through_a_temp_file_beside_the_target(folder: FolderStorage, tmp_path: Path) -> None:
    data = os.urandom(2 * MiB)
    (tmp_path / "src.bin").write_bytes(data)
    root = Path(folder.root)
    seen: List[List[str]] = []

    def hook(n: int) -> None:
        seen.append(sorted(os.listdir(root / "a" / "b")) if (root / "a" / "b").exists() else [])

    info = folder.put_file("a/b/f.bin", str(tmp_path / "src.bin"), hook=hook)
    assert info.etag == hashlib.md5(data).hexdigest() and info.size == len(data)
    mid = seen[len(seen) // 2]
    assert len(mid) == 1 and mid[0].startswith(".f.bin.rfsync-") and mid[0].endswith(".tmp")
    assert "f.bin" not in mid  # the target appears only at the end, complete
    assert files_under(root) == ["a/b/f.bin"]
    assert (root / "a" / "b" / "f.bin").read_bytes() == data


def test_a_source_that_grows_while_copied_is_detected(folder: FolderStorage, tmp_path: Path) -> None:
    src = tmp_path / "growing.bin"
    src.write_bytes(os.urandom(2 * MiB))
    calls = [0]

    def hook(n: int) -> None:
        calls[0] += 1
        if calls[0] == 2:
            with open(src, "ab") as fh:
                fh.write(b"more bytes written by a renderer")

    with pytest.raises(ChangedDuringTransferError) as info:
        folder.put_file("g.bin", str(src), hook=hook)
    assert "growing.bin" in str(info.value)
    assert files_under(Path(folder.root)) == []


def test_concurrent_writers_of_one_key_leave_one_whole_file(folder: FolderStorage, tmp_path: Path) -> None:
    sources = []
    for i in range(4):
        data = bytes([i]) * (MiB + i)
        (tmp_path / f"s{i}").write_bytes(data)
        sources.append(data)
    errors: List[BaseException] = []

    def put(i: int) -> None:
        try:
            folder.put_file("same/key.bin", str(tmp_path / f"s{i}"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=put, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert (Path(folder.root) / "same" / "key.bin").read_bytes() in sources
    assert files_under(Path(folder.root)) == ["same/key.bin"]


def test_multipart_parts_live_in_the_hidden_folder_and_stay_out_of_list(folder: FolderStorage,
                                                                        tmp_path: Path) -> None:
    data = os.urandom(3 * MiB)
    (tmp_path / "src").write_bytes(data)
    folder.put_bytes("visible.txt", b"v")
    upload_id = folder.create_multipart("out/big.bin")
    part = folder.upload_part("out/big.bin", upload_id, 1, str(tmp_path / "src"), 0, 2 * MiB)
    up_dir = Path(folder.root) / MULTIPART_DIR / upload_id
    assert (up_dir / f"00001.{part.etag}.part").read_bytes() == data[: 2 * MiB]
    assert part.etag == hashlib.md5(data[: 2 * MiB]).hexdigest()
    # a stray temp file (e.g. from a killed process) is not an object either
    (Path(folder.root) / "out").mkdir()
    (Path(folder.root) / "out" / ".big.bin.rfsync-abc123.tmp").write_bytes(b"partial")
    assert [o.key for o in folder.list("")] == ["visible.txt"]
    # re-sending a part replaces it
    part_again = folder.upload_part("out/big.bin", upload_id, 1, str(tmp_path / "src"), MiB, 2 * MiB)
    assert [p.etag for p in folder.list_parts("out/big.bin", upload_id)] == [part_again.etag]
    last = folder.upload_part("out/big.bin", upload_id, 2, str(tmp_path / "src"), 2 * MiB, MiB)
    info = folder.complete_multipart("out/big.bin", upload_id, [part_again, last])
    assert (Path(folder.root) / "out" / "big.bin").read_bytes() == data[MiB: 3 * MiB] + data[2 * MiB:]
    assert info.etag == hashlib.md5(data[MiB: 3 * MiB] + data[2 * MiB:]).hexdigest()
    assert not up_dir.exists()


def test_upload_ids_are_bound_to_their_key(folder: FolderStorage, tmp_path: Path) -> None:
    upload_id = folder.create_multipart("a.bin")
    with pytest.raises(NotFoundError):
        folder.list_parts("b.bin", upload_id)
    with pytest.raises(NotFoundError):
        folder.list_parts("a.bin", "../../etc")
    assert folder.list_parts("a.bin", upload_id) == []


def test_internal_names_cannot_be_used_as_keys(folder: FolderStorage) -> None:
    for key in (f"{MULTIPART_DIR}/x/meta.json", "a/.f.bin.rfsync-zz.tmp", "a/. ./b", "a/.../b"):
        with pytest.raises(UnsafePathError):
            folder.put_bytes(key, b"x")


def test_offset_past_the_end_is_an_error(folder: FolderStorage) -> None:
    folder.put_bytes("s.txt", b"12345")
    out = io.BytesIO()
    folder.get_to_file("s.txt", out, offset=5)
    assert out.getvalue() == b""
    with pytest.raises(StorageError) as info:
        folder.get_to_file("s.txt", out, offset=6)
    assert info.value.code == "InvalidRange" and not info.value.retryable


def test_a_directory_is_not_an_object(folder: FolderStorage) -> None:
    folder.put_bytes("d/inner.txt", b"x")
    with pytest.raises(NotFoundError):
        folder.head("d")
    with pytest.raises(NotFoundError):
        folder.get_bytes("d")
    folder.delete("d")  # not an object: nothing to delete
    assert folder.get_bytes("d/inner.txt") == b"x"


def test_list_of_a_missing_root_is_empty(tmp_path: Path) -> None:
    assert list(FolderStorage(tmp_path / "nowhere").list("")) == []


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="needs POSIX permissions, not root")
def test_permission_denied_names_the_folder(tmp_path: Path) -> None:
    root = tmp_path / "ro"
    root.mkdir()
    storage = FolderStorage(root)
    os.chmod(root, 0o500)
    try:
        with pytest.raises(AccessDeniedError) as info:
            storage.put_bytes("x.txt", b"x")
        assert str(root) in str(info.value)
        assert not info.value.retryable
    finally:
        os.chmod(root, 0o700)
