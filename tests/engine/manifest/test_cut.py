"""cutting_upload (manifest/cut.py): the seed's contract, its faults fixed, leftovers, all-or-nothing writes."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List

import pytest

from rfsync_core import cutting_upload, load_manifest
from rfsync_core.errors import ManifestError
from rfsync_core.manifest import writer

SCENE = [{"local": "D:/proj/sh010.ma", "server": "/D/proj/sh010.ma", "hash": "h1"}]


def assets(n: int, prefix: str = "tex") -> List[Dict[str, Any]]:
    return [{"local": f"D:/proj/{prefix}/f{i:04d}.exr", "server": f"/D/proj/{prefix}/f{i:04d}.exr"}
            for i in range(n)]


def make(path: Path, n: int, **extra: Any) -> Path:
    doc: Dict[str, Any] = {"scene": SCENE, "asset": assets(n)}
    doc.update(extra)
    path.write_text(json.dumps(doc, indent=4), encoding="utf-8")
    return path


def read(path: str) -> Dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def test_cut_contract(tmp_path: Path) -> None:
    src = make(tmp_path / "upload.json", 10)
    before = src.read_bytes()
    parts = cutting_upload(str(src), 3)
    assert parts == [str(tmp_path / f"upload_{i}.json") for i in (1, 2, 3, 4)]
    assert all(os.path.isabs(p) for p in parts)
    assert src.read_bytes() == before  # the original is neither changed nor returned
    docs = [read(p) for p in parts]
    assert [len(d["asset"]) for d in docs] == [3, 3, 3, 1]
    assert [a for d in docs for a in d["asset"]] == assets(10)  # order kept
    for i, doc in enumerate(docs, 1):
        assert doc["scene"] == SCENE  # every part is self-contained
        assert doc["rfsync_cut"] == {"part": i, "parts": 4, "source": "upload.json"}
        assert load_manifest(parts[i - 1]).asset == doc["asset"]


def test_exact_multiple_has_no_empty_part(tmp_path: Path) -> None:
    parts = cutting_upload(make(tmp_path / "upload.json", 9), 3)
    assert len(parts) == 3
    assert all(len(read(p)["asset"]) == 3 for p in parts)
    assert not (tmp_path / "upload_4.json").exists()


@pytest.mark.parametrize("limit", [None, 0, -5, 100])
def test_no_limit_or_large_limit_gives_one_part(tmp_path: Path, limit: Any) -> None:
    parts = cutting_upload(make(tmp_path / "upload.json", 7), limit)
    assert parts == [str(tmp_path / "upload_1.json")]
    assert read(parts[0])["asset"] == assets(7)


def test_no_assets_gives_one_part_with_the_scene(tmp_path: Path) -> None:
    parts = cutting_upload(make(tmp_path / "upload.json", 0), 5)
    assert len(parts) == 1
    doc = read(parts[0])
    assert doc["scene"] == SCENE and doc["asset"] == []


def test_manifest_without_scene_and_extras_are_copied(tmp_path: Path) -> None:
    src = tmp_path / "job.json"
    entries = assets(4)
    entries[1]["size"] = 42
    src.write_text(json.dumps({"asset": entries, "studio": {"show": "alpha"}, "Aaa": 1}), encoding="utf-8")
    parts = cutting_upload(src, 2)
    assert [os.path.basename(p) for p in parts] == ["job_1.json", "job_2.json"]
    for part in parts:
        doc = read(part)
        assert doc["scene"] == [] and doc["studio"] == {"show": "alpha"} and doc["Aaa"] == 1
    assert read(parts[0])["asset"][1] == {**assets(4)[1], "size": 42}  # unknown entry keys kept


def test_leftover_parts_removed_unrelated_files_kept(tmp_path: Path) -> None:
    src = make(tmp_path / "upload.json", 10)
    cutting_upload(src, 2)  # 5 parts
    assert (tmp_path / "upload_5.json").exists()
    (tmp_path / "upload_7.json").write_text(json.dumps({"asset": []}))  # a user's file, no marker
    other = {"asset": [], "rfsync_cut": {"part": 9, "parts": 9, "source": "other.json"}}
    (tmp_path / "upload_9.json").write_text(json.dumps(other))  # a part of another manifest
    (tmp_path / "upload_x.json").write_text("not json")
    (tmp_path / "upload_08.json").write_text("{}")
    parts = cutting_upload(src, 5)  # 2 parts now
    assert len(parts) == 2
    names = sorted(os.listdir(tmp_path))
    assert names == sorted(["upload.json", "upload_1.json", "upload_2.json", "upload_7.json", "upload_9.json",
                            "upload_x.json", "upload_08.json"])
    assert read(parts[0])["rfsync_cut"]["parts"] == 2


def test_output_folder_created_and_source_folder_untouched(tmp_path: Path) -> None:
    src = make(tmp_path / "upload.json", 5)
    out = tmp_path / "cut" / "here"
    parts = cutting_upload(src, after_cutting_position=str(out), max_resources_number=2)
    assert parts == [str(out / f"upload_{i}.json") for i in (1, 2, 3)]
    assert os.listdir(tmp_path / "cut" / "here") and sorted(os.listdir(tmp_path)) == ["cut", "upload.json"]


def test_parts_are_canonical_and_stable(tmp_path: Path) -> None:
    src = make(tmp_path / "upload.json", 5)
    first = [Path(p).read_bytes() for p in cutting_upload(src, 2)]
    again = [Path(p).read_bytes() for p in cutting_upload(src, 2)]
    assert first == again
    resaved = tmp_path / "resaved.json"
    load_manifest(tmp_path / "upload_1.json").save(resaved)
    assert resaved.read_bytes() == first[0]  # parts use the same canonical form as save()
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]


def test_missing_source_folder_source_and_bad_limit(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="not found"):
        cutting_upload(tmp_path / "nope.json", 3)
    with pytest.raises(ManifestError, match="is a folder"):
        cutting_upload(tmp_path, 3)
    src = make(tmp_path / "upload.json", 3)
    for bad in ("abc", True, 2.5, [3]):
        with pytest.raises(ManifestError, match="whole number"):
            cutting_upload(src, bad)  # type: ignore[arg-type]
    assert cutting_upload(src, "2") == [str(tmp_path / "upload_1.json"), str(tmp_path / "upload_2.json")]


def test_failed_cut_keeps_previous_parts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = make(tmp_path / "upload.json", 4)
    old = [Path(p).read_bytes() for p in cutting_upload(src, 2)]
    real = writer.write_document
    calls = {"n": 0}

    def failing(fh: Any, doc: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        real(fh, doc)

    monkeypatch.setattr(writer, "write_document", failing)
    with pytest.raises(ManifestError, match="No space left"):
        cutting_upload(src, 1)
    assert [(tmp_path / f"upload_{i}.json").read_bytes() for i in (1, 2)] == old
    assert sorted(os.listdir(tmp_path)) == ["upload.json", "upload_1.json", "upload_2.json"]


def test_a_symlink_at_a_part_name_is_replaced_not_written_through(tmp_path: Path) -> None:
    src = make(tmp_path / "upload.json", 4)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    (tmp_path / "upload_2.json").symlink_to(victim)
    parts = cutting_upload(src, 2)
    assert victim.read_text(encoding="utf-8") == "keep me\n"
    assert not Path(parts[1]).is_symlink() and read(parts[1])["asset"] == assets(4)[2:]


def test_a_cut_never_reuses_an_existing_temp_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from rfsync_core import _files

    src = make(tmp_path / "upload.json", 4)
    old = [Path(p).read_bytes() for p in cutting_upload(src, 2)]
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    temp = tmp_path / ".upload_2.json.rfsync-000000000000.tmp"
    temp.symlink_to(victim)
    real = _files.temp_name
    monkeypatch.setattr(_files, "temp_name", lambda t: str(temp) if t.endswith("upload_2.json") else real(t))
    with pytest.raises(ManifestError, match=r"cannot write parts into .*: File exists"):
        cutting_upload(src, 2)
    assert victim.read_text(encoding="utf-8") == "keep me\n" and temp.is_symlink()
    assert [(tmp_path / f"upload_{i}.json").read_bytes() for i in (1, 2)] == old  # no part renamed
    assert sorted(os.listdir(tmp_path)) == sorted(["upload.json", "upload_1.json", "upload_2.json", "victim.txt",
                                                   temp.name])
