"""Every kind of file rfsync creates next to user data, with a symlink or a foreign file planted at its
name: nothing outside is written, nothing of someone else's is reused (issue 13, point 1, the rest).

Kinds: the records database (and SQLite's ``-wal``/``-shm``/``-journal`` beside it), a download's
``.part`` hard-linked to a file elsewhere (the symlink and sidecar cases are in
test_download_sidecar_safety.py, on both engines), manifests written by append and cut, the task
configs a plugin writes, and objects of the folder platform (what ``upload`` and
``upload-config`` write there).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from download_helpers import client, farm_platform  # noqa: F401

from rfsync_core.app.tasks import write_upload_manifest
from rfsync_core.client import Client
from rfsync_core.errors import UnsafePathError
from rfsync_core.manifest import UploadManifest, append_to_upload, cutting_upload
from rfsync_core.storage.folder import FolderStorage
from rfsync_core.testing.farm_emulator import writer_for
from rfsync_core.transfer.download import Downloader
from rfsync_core.transfer.records import Records, RecordsError

OUTSIDE = b"precious: not rfsync's to write\n"

pytestmark = pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="needs POSIX symlinks")


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    path = tmp_path / "elsewhere" / "precious.txt"
    path.parent.mkdir()
    path.write_bytes(OUTSIDE)
    return path


# -- records database -------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["records.sqlite3", "records.sqlite3-wal", "records.sqlite3-shm",
                                  "records.sqlite3-journal"])
@pytest.mark.parametrize("dangling", [True, False])
def test_a_symlink_at_the_records_database_is_refused_in_one_line(tmp_path: Path, outside: Path, name: str,
                                                                   dangling: bool) -> None:
    db = tmp_path / "data" / "records.sqlite3"
    db.parent.mkdir()
    target = outside.parent / "made-by-sqlite.db" if dangling else outside
    (db.parent / name).symlink_to(target)
    with pytest.raises(RecordsError) as info:
        Records(db).close()
    text = str(info.value)
    assert "\n" not in text and "symbolic link" in text and str(db.parent / name) in text, text
    assert outside.read_bytes() == OUTSIDE
    assert sorted(p.name for p in outside.parent.iterdir()) == ["precious.txt"]  # nothing created there


def test_records_database_still_opens_and_works_without_links(tmp_path: Path) -> None:
    recs = Records(tmp_path / "records.sqlite3")
    recs.close()
    assert (tmp_path / "records.sqlite3").is_file()


# -- download .part hard-linked elsewhere (both engines) ---------------------------------------------
def test_a_part_hard_linked_to_a_file_elsewhere_is_not_written_through(
        client: Client, tmp_path: Path, outside: Path) -> None:  # noqa: F811
    data = os.urandom(200_000)
    writer_for(client.platform).put("output/903_sh/a.exr", data)
    root = tmp_path / "dl"
    root.mkdir()
    os.link(outside, root / "a.exr.part")  # looks like a resumable .part (shorter, fresh)
    result = Downloader(client).download_keys([("output/903_sh/a.exr", "a.exr")], root)
    assert result.ok, result.failed
    assert (root / "a.exr").read_bytes() == data
    assert outside.read_bytes() == OUTSIDE
    assert os.stat(outside).st_nlink == 1


# -- manifests, task configs ---------------------------------------------------------------------------
def _plant(name: Path, planted: str, to: Path) -> None:
    """Put a symlink (live or, for "dangling", to a missing file beside ``to``) or a hard link at ``name``."""
    name.parent.mkdir(parents=True, exist_ok=True)
    if planted == "symlink":
        name.symlink_to(to)
    elif planted == "dangling":
        name.symlink_to(to.parent / "new.json")
    else:
        os.link(to, name)


def _manifest(path: Path, n: int, tmp_path: Path) -> None:
    files = []
    for i in range(n):
        f = tmp_path / "proj" / f"t{i}.exr"
        f.parent.mkdir(exist_ok=True)
        f.write_bytes(b"x")
        files.append(str(f))
    UploadManifest(scene=[], asset=[{"local": p, "server": p} for p in files]).save(str(path))


@pytest.mark.parametrize("planted", ["symlink", "hardlink"])
def test_append_replaces_a_planted_manifest_name_without_writing_through(tmp_path: Path, planted: str) -> None:
    elsewhere = tmp_path / "elsewhere" / "their.json"
    elsewhere.parent.mkdir()
    _manifest(elsewhere, 1, tmp_path)  # a valid manifest of someone else's, reachable through the name
    before = elsewhere.read_bytes()
    target = tmp_path / "job" / "upload.json"
    _plant(target, planted, elsewhere)
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "b.exr").write_bytes(b"b")
    assert append_to_upload([str(tmp_path / "new")], str(target)) == 1
    assert elsewhere.read_bytes() == before and os.stat(elsewhere).st_nlink == 1
    assert not target.is_symlink() and len(json.loads(target.read_text())["asset"]) == 2


def test_cut_parts_replace_planted_links_and_files_without_writing_through(tmp_path: Path, outside: Path) -> None:
    src = tmp_path / "job" / "upload.json"
    src.parent.mkdir()
    _manifest(src, 5, tmp_path)
    out = tmp_path / "parts"
    out.mkdir()
    (out / "upload_1.json").symlink_to(outside)
    os.link(outside, out / "upload_2.json")
    parts = cutting_upload(str(src), 2, str(out))
    assert len(parts) == 3
    assert outside.read_bytes() == OUTSIDE and os.stat(outside).st_nlink == 1
    for p in parts:
        assert not os.path.islink(p)
        assert json.loads(Path(p).read_text())["rfsync_cut"]["parts"] == 3


@pytest.mark.parametrize("planted", ["symlink", "hardlink"])
def test_task_configs_replace_planted_names(tmp_path: Path, outside: Path, planted: str) -> None:
    target = tmp_path / "task" / "upload.json"
    _plant(target, planted, outside)
    (tmp_path / "a.exr").write_bytes(b"a")
    write_upload_manifest(str(target), None, [str(tmp_path / "a.exr")])
    assert not target.is_symlink() and json.loads(target.read_text())["asset"]
    assert outside.read_bytes() == OUTSIDE


# -- folder platform objects ----------------------------------------------------------------------------
@pytest.mark.parametrize("planted", ["symlink", "hardlink", "dangling"])
@pytest.mark.parametrize("how", ["put_bytes", "put_file"])
def test_folder_platform_objects_never_write_through_a_planted_name(tmp_path: Path, outside: Path, planted: str,
                                                                   how: str) -> None:
    root = tmp_path / "farm"
    obj = root / "tasks" / "9" / "cfg" / "task.json"
    _plant(obj, planted, outside)
    st = FolderStorage(str(root))
    src = tmp_path / "src.json"
    src.write_bytes(b"{}")

    def put() -> None:
        if how == "put_bytes":
            st.put_bytes("tasks/9/cfg/task.json", b"{}")
        else:
            st.put_file("tasks/9/cfg/task.json", str(src))

    if planted == "hardlink":  # a regular file there: replaced by rename, the other name keeps its bytes
        put()
        assert obj.read_bytes() == b"{}" and os.stat(outside).st_nlink == 1
    else:  # a link in the farm folder: refused in one line naming the key, not followed
        with pytest.raises(UnsafePathError) as info:
            put()
        assert "tasks/9/cfg/task.json" in str(info.value) and "\n" not in str(info.value)
        assert obj.is_symlink()
    assert outside.read_bytes() == OUTSIDE
    assert sorted(p.name for p in outside.parent.iterdir()) == ["precious.txt"]
