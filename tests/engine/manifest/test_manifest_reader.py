"""manifest/reader.py, the cut's streaming reader: its edges, and the plain reader's errors when it falls back."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Dict, List

import pytest

from rfsync_core import UploadManifest, cutting_upload
from rfsync_core.errors import ManifestError
from rfsync_core.manifest import reader

SCENE = [{"local": "D:/proj/sh010.ma", "server": "/D/proj/sh010.ma", "hash": "h1"}]


def assets(n: int, prefix: str = "tex") -> List[Dict[str, Any]]:
    return [{"local": f"D:/proj/{prefix}/f{i:04d}.exr", "server": f"/D/proj/{prefix}/f{i:04d}.exr"}
            for i in range(n)]


def read(path: str) -> Dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


TRICKY_ASSETS: List[Dict[str, Any]] = [
    {"local": "D:/a},{b/x.exr", "server": "/D/a},{b/x.exr"},  # a '},' inside a string
    {"local": 'D:/q"uote\\back/},', "server": '/D/q"uote\\back/},'},
    {"local": "D:/проект/テクスチャ/été.exr", "server": "/D/проект/テクスチャ/été.exr"},
    {"server": "/D/z", "local": "D:/z", "meta": {"nested": [1, 2.5, None, True], "x": "},"}},
    {"local": "D:/tab\there\nnewline", "server": "/D/tab\there\nnewline"},
]


@pytest.mark.parametrize("style", ["indent", "compact", "ascii_crlf", "bom"])
@pytest.mark.parametrize("chunk", [16, 1 << 20])
def test_streaming_reader_matches_plain_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               style: str, chunk: int) -> None:
    monkeypatch.setattr(reader, "_CHUNK", chunk)  # tiny chunks exercise every buffer boundary

    def no_fallback(path: Any) -> Any:
        raise AssertionError("the streaming reader fell back to json.load")

    monkeypatch.setattr(reader, "load_manifest", no_fallback)
    entries = (TRICKY_ASSETS + assets(40)) * 3
    doc = {"zz": [1, {"a": "},"}], "asset": entries, "scene": SCENE, "num": 12345678901234567890}
    src = tmp_path / "upload.json"
    if style == "indent":
        text = json.dumps(doc, indent=2, ensure_ascii=False)
    elif style == "compact":
        text = json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
    elif style == "ascii_crlf":
        text = json.dumps(doc, indent="\t").replace("\n", "\r\n")
    else:
        text = "\ufeff" + json.dumps(doc)
    src.write_text(text, encoding="utf-8", newline="")
    parts = cutting_upload(src, 7)
    got = [read(p) for p in parts]
    assert [a for d in got for a in d["asset"]] == entries
    assert all(d["scene"] == SCENE and d["zz"] == doc["zz"] and d["num"] == doc["num"] for d in got)
    # byte-identical to what the plain model writes for the same entries
    model = UploadManifest(scene=SCENE, asset=entries[:7], extra={"zz": doc["zz"], "num": doc["num"],
                                                                 "rfsync_cut": got[0]["rfsync_cut"]})
    expected = tmp_path / "expected.json"
    model.save(expected)
    assert Path(parts[0]).read_bytes() == expected.read_bytes()


def test_duplicate_keys_follow_json_load(tmp_path: Path) -> None:
    src = tmp_path / "upload.json"
    src.write_text('{"asset": [{"local": "/a", "server": "/a"}], "asset": [{"local": "/b", "server": "/b"}]}')
    parts = cutting_upload(src, 5)
    assert read(parts[0])["asset"] == [{"local": "/b", "server": "/b"}]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"asset": [\n  {"local": "/a", "server": "/a"},\n  {"local": "/b" "server": "/b"}\n]}',
         "invalid JSON at line 3, column 18"),
        ('{"asset": [{"local": "/a", "server": "/a"},]}', "invalid JSON at line 1"),
        ('{"asset": [{"local": "/a", "server": "/a"}]} trailing', "invalid JSON at line 1"),
        ('{"asset": [{"local": "/a", "server": "/a"}, {"local": "/b", "server": "/b"}, 7]}',
         "asset[2] must be an object"),
        ('{"asset": [{"local": "/a", "server": "/a"}, {"local": "/b"}]}', "asset[1] 'server'"),
        ('{"asset": {"local": "/a"}}', "'asset' must be a list"),
        ('{"scene": [{"local": "", "server": "/s"}], "asset": []}', "scene[0] 'local'"),
        ("[]", "top level must be a JSON object"),
        ("", "invalid JSON at line 1, column 1"),
    ],
)
def test_bad_manifest_errors(tmp_path: Path, text: str, fragment: str) -> None:
    src = tmp_path / "upload.json"
    src.write_text(text, encoding="utf-8")
    with pytest.raises(ManifestError) as err:
        cutting_upload(src, 1)
    assert fragment in str(err.value) and str(src) in str(err.value)
    assert os.listdir(tmp_path) == ["upload.json"]  # nothing written
