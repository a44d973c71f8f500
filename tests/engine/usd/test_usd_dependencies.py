"""USD closures on real ``.usda`` stages read by the real usd-core: every arc, the missing, the cycle."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Dict

import pytest

from rfsync_core.collect import CollectResult, follow_usd
from rfsync_core.paths import local_to_server
from rfsync_core.usd import PXR_MISSING, UsdUnavailableError, usd_dependencies

SHOT = """#usda 1.0
(
    subLayers = [@./layers/anim.usda@, @./layers/missing_layer.usda@]
)
def Xform "World"
{
    def "Chair" (references = @./props/chair.usda@</Chair>) {}
    def "Heavy" (payload = @./props/heavy.usda@</Heavy>) {}
    def "Var" (
        variants = { string look = "red" }
        prepend variantSets = "look"
    )
    {
        variantSet "look" = {
            "red" (references = @./props/red.usda@</Red>) {}
            "blue" (references = @./props/blue.usda@</Blue>) {}
        }
    }
    def "Clipped" (
        clips = {
            dictionary default = {
                asset[] assetPaths = [@./clips/c.1.usda@, @./clips/c.2.usda@]
                string primPath = "/Clip"
                double2[] active = [(1, 0), (2, 1)]
            }
        }
    ) {}
    def "Templated" (
        clips = {
            dictionary default = {
                string templateAssetPath = "./clips/t.#.usda"
                double templateStartTime = 1
                double templateEndTime = 3
                double templateStride = 1
                string primPath = "/Clip"
            }
        }
    ) {}
    def Shader "Wood"
    {
        asset inputs:file = @./tex/wood.<UDIM>.exr@
        asset inputs:gone = @./tex/nope.exr@
    }
}
"""

FILES: Dict[str, str] = {
    "shot.usda": SHOT,
    "layers/anim.usda": '#usda 1.0\n(\n    subLayers = [@./cycle.usda@]\n)\n',
    "layers/cycle.usda": '#usda 1.0\n(\n    subLayers = [@./anim.usda@]\n)\n',  # a cycle of sublayers
    "props/chair.usda": '#usda 1.0\ndef "Chair" (references = @../props/leg.usda@) {}\n',
    "props/leg.usda": '#usda 1.0\ndef "Leg" {}\n',
    "props/heavy.usda": '#usda 1.0\ndef "Heavy" {}\n',
    "props/red.usda": '#usda 1.0\ndef "Red" {}\n',
    "props/blue.usda": '#usda 1.0\ndef "Blue" {}\n',
    "clips/c.1.usda": '#usda 1.0\ndef "Clip" {}\n',
    "clips/c.2.usda": '#usda 1.0\ndef "Clip" {}\n',
    "clips/t.1.usda": '#usda 1.0\ndef "Clip" {}\n',
    "clips/t.2.usda": '#usda 1.0\ndef "Clip" {}\n',
    "clips/t.3.usda": '#usda 1.0\ndef "Clip" {}\n',
    "tex/wood.1001.exr": "tile",
    "tex/wood.1002.exr": "tile",
}


@pytest.fixture
def stage(tmp_path: Path) -> Path:
    for rel, text in FILES.items():
        path = tmp_path / "proj" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path / "proj" / "shot.usda"


needs_pxr = pytest.mark.skipif(importlib.util.find_spec("pxr") is None,
                               reason="pxr not importable: install rfsync[usd] (usd-core) to run the USD tests")


@needs_pxr
def test_every_arc_is_followed_and_the_unresolved_are_missing(stage: Path) -> None:
    found, missing = usd_dependencies(str(stage))
    root = stage.parent
    assert found[0] == str(stage)
    assert sorted(os.path.relpath(p, root) for p in found[1:]) == sorted(set(FILES) - {"shot.usda"})
    assert [os.path.relpath(p, root) for p in missing] == ["layers/missing_layer.usda", "tex/nope.exr"]


@needs_pxr
def test_server_paths_keep_the_layers_relative_structure(stage: Path) -> None:
    found, _missing = usd_dependencies(str(stage))
    shot_dir = os.path.dirname(local_to_server(str(stage)))
    for path in found:
        rel = os.path.relpath(path, stage.parent).replace(os.sep, "/")
        assert local_to_server(path) == f"{shot_dir}/{rel}"


@needs_pxr
def test_collection_follows_usd_files_and_names_the_source(stage: Path) -> None:
    other = stage.parent / "notes.txt"
    other.write_text("x")
    result = follow_usd(CollectResult(found=[str(other), str(stage)]))
    assert len(result.found) == len(FILES) + 1 and result.found == sorted(result.found)
    gone = str(stage.parent / "tex" / "nope.exr")
    assert gone in result.missing and result.sources[gone] == [str(stage)]
    assert follow_usd(result).found == result.found  # idempotent
    assert result.warnings == []


@needs_pxr
def test_a_missing_usd_file_is_missing_itself(tmp_path: Path) -> None:
    found, missing = usd_dependencies(str(tmp_path / "nope.usda"))
    assert found == [] and missing == [str(tmp_path / "nope.usda")]


def test_without_pxr_one_line_and_nothing_dropped(stage: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pxr", None)  # import pxr now raises ImportError, as where it is absent
    with pytest.raises(UsdUnavailableError, match="pxr not importable"):
        usd_dependencies(str(stage))
    result = follow_usd(CollectResult(found=[str(stage)]))
    assert result.found == [str(stage)] and result.warnings == [PXR_MISSING]


@needs_pxr
def test_a_file_that_is_not_usd_is_kept_with_one_warning(tmp_path: Path) -> None:
    bad = tmp_path / "chair.usd"
    bad.write_bytes(b"not usd")
    result = follow_usd(CollectResult(found=[str(bad)]))
    assert result.found == [str(bad)] and result.missing == []
    [warning] = result.warnings
    assert str(bad) in warning and "cannot open it as a layer" in warning
