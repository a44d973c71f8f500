"""Houdini plugin: collecting a hip file's dependencies and what task.json gets (fake hou, real files)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator

import pytest
from fakes.houdini import EXPECTED_FOUND, EXPECTED_ROP_FOUND, build_scene, drop_fake_hou, use_fake_hou


@pytest.fixture
def hou(tmp_path: Path) -> Iterator[Any]:
    use_fake_hou(ui=False)
    import hou as fake_hou  # type: ignore[import-not-found]

    yield fake_hou
    drop_fake_hou()


@pytest.fixture
def scene(tmp_path: Path, hou: Any) -> Path:
    return build_scene(tmp_path / "proj", hou)


def rel(root: Path, paths: Any) -> list:
    return sorted(os.path.relpath(p, root).replace(os.sep, "/") for p in paths)


def test_collect_finds_every_dependency_and_reports_missing(tmp_path: Path, scene: Path) -> None:
    from rfsync_houdini.host import HoudiniHost

    result = HoudiniHost().collect_assets()
    root = tmp_path / "proj"
    assert rel(root, result.found) == EXPECTED_FOUND
    assert all(os.path.isabs(p) for p in result.found)
    assert result.missing == [f"{root}/tex/missing.exr"]
    # outputs (Karma picture, ROP Geometry SOP) are neither uploaded nor missing
    assert not any("/render/" in p or "cache_out" in p for p in result.found + result.missing)
    assert any("/studio/otls/tools.hda" in w for w in result.warnings)  # parm None: reported, not dropped silently
    assert any(w.startswith(f"{root}/tex is a folder") for w in result.warnings)


def test_file_references_are_filtered_as_documented(scene: Path, hou: Any) -> None:
    from rfsync_houdini import collect

    raw = hou.fileReferences(project_dir_variable="HIP", include_all_refs=True)
    assert isinstance(raw, tuple) and all(isinstance(pair, tuple) and len(pair) == 2 for pair in raw)
    assert (None, "/studio/otls/tools.hda") in raw
    assert any(value.startswith("opdef:") for _, value in raw)
    assert ("$HIP/cache/anim.abc" in [v for _, v in raw])  # the fake rewrites paths under $HIP, as Houdini does
    refs, _warnings = collect.file_references(exclude_nodes=["/obj/geo1/sim"])
    kept = {parm.path() for parm, _ in refs}
    assert "/obj/geo1/sim/file" not in kept  # the excluded node's own parms
    assert "/obj/geo1/embedded/file" not in kept  # opdef:
    assert "/out/karma1/picture" not in kept and "/obj/geo1/cache_out/sopoutput" not in kept  # outputs
    assert {"/obj/geo1/cloud/file", "/mat/wood/file", "/stage/chair/filepath1"} <= kept


def test_rop_frame_range_limits_frame_patterns(tmp_path: Path, scene: Path, hou: Any) -> None:
    from rfsync_houdini.host import HoudiniHost, frame_numbers, rop_frame_range

    rop = hou.node("/out/rfsync1")
    assert rop_frame_range(rop) == (1.0, 3.0, 1.0)
    frames = frame_numbers(*rop_frame_range(rop))
    assert frames == [1, 2, 3]
    result = HoudiniHost().collect_assets(frames, (rop.path(),))
    assert rel(tmp_path / "proj", result.found) == EXPECTED_ROP_FOUND
    rop.parm("trange").set(0)  # "render current frame"
    hou.setFrame(2)
    assert rop_frame_range(rop) == (2.0, 2.0, 1.0)
    rop.parm("trange").set(1)
    rop.parm("f3").set(2)
    assert frame_numbers(*rop_frame_range(rop)) == [1, 3]


def test_houdini_variables_are_not_environment_variables(tmp_path: Path, scene: Path, hou: Any,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """$JOB is a Houdini variable here: expanding through os.environ would miss chair.usd."""
    from rfsync_houdini import collect

    monkeypatch.delenv("JOB", raising=False)
    monkeypatch.delenv("HIP", raising=False)
    paths, _ = collect.dependency_paths()
    assert str(tmp_path / "job" / "assets" / "chair.usd") in paths
    assert f"{tmp_path / 'proj'}/geo/sim.$F4.bgeo.sc" in paths  # frame token kept for rfsync_core to expand
    assert f"{tmp_path / 'proj'}/geo/cloud.${{F}}.vdb" in paths
    assert f"{tmp_path / 'proj'}/tex/wood.<UDIM>.exr" in paths


def test_printf_udim_and_node_name_tokens(tmp_path: Path, scene: Path, hou: Any) -> None:
    from rfsync_houdini.host import HoudiniHost

    root = tmp_path / "proj"
    hou.node("/mat/wood").parm("file").set("$HIP/tex/wood.%(UDIM)d.exr")
    geo = hou.node("/obj/geo1")
    named = geo.createNode("file", "rock")
    (root / "geo" / "rock.0002.bgeo").write_bytes(b"r2")
    named.parm("file").set("$HIP/geo/$OS.$F4.bgeo")  # $OS = the node's name, only known to the parameter
    found = rel(root, HoudiniHost().collect_assets().found)
    assert "tex/wood.1011.exr" in found and "geo/rock.0002.bgeo" in found


def test_old_houdini_without_hou_text_uses_top_level_expand(tmp_path: Path, scene: Path, hou: Any,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from rfsync_houdini.host import HoudiniHost

    monkeypatch.delattr(hou, "text")
    assert rel(tmp_path / "proj", HoudiniHost().collect_assets().found) == EXPECTED_FOUND


def test_untitled_scene_has_no_path_and_collects_nothing(hou: Any) -> None:
    from rfsync_houdini.host import HoudiniHost

    host = HoudiniHost()
    assert hou.hipFile.path().endswith("untitled.hip")  # Houdini names it, but it was never saved
    assert host.scene_path() is None
    result = host.collect_assets()
    assert result.found == [] and result.missing == []


def test_task_info_of_the_submit_rop_and_of_a_render_rop(scene: Path, hou: Any) -> None:
    from rfsync_houdini.host import HoudiniHost

    from rfsync_core import FarmError

    host = HoudiniHost()
    info = host.task_info("42", str(scene), hou.node("/out/rfsync1"))
    assert (info.renderer, info.frames, info.layers) == ("karma", "1-3", ["/out/karma1"])
    assert info.host == "houdini" and info.host_version == "20.5.410"
    assert info.extra["rop"] == "/out/rfsync1"
    out = hou.node("/out")
    merge = out.createNode("merge", "all")
    mantra = out.createNode("ifd", "mantra1")
    merge.setInput(0, hou.node("/out/karma1"))
    merge.setInput(1, mantra)
    hou.node("/out/rfsync1").setInput(0, merge)
    info = host.task_info("43", str(scene), hou.node("/out/rfsync1"))
    assert info.renderer == "karma,ifd" and info.layers == ["/out/karma1", "/out/mantra1"]
    direct = host.task_info("44", str(scene), mantra)  # a render ROP given directly (hython --rop)
    assert direct.layers == ["/out/mantra1"] and direct.frames == "1"
    lonely = out.createNode("rfsync_submit", "lonely")
    with pytest.raises(FarmError, match="connect"):
        host.task_info("45", str(scene), lonely)


def test_batch_message_is_printed_not_shown(capsys: pytest.CaptureFixture[str], hou: Any) -> None:
    from rfsync_houdini.host import HoudiniHost

    assert HoudiniHost().show_message("T", "hello", buttons=("Go", "Stop")) == "Go"
    assert "hello" in capsys.readouterr().out
    assert hou.STATE.messages == []
    assert HoudiniHost().main_window() is None


def test_houdini_host_implements_the_host_contract(hou: Any) -> None:
    import inspect

    from rfsync_houdini.host import HoudiniHost

    from rfsync_core import HostAdapter

    members = [n for n in vars(HostAdapter) if not n.startswith("_")]
    assert {"scene_path", "collect_assets", "main_window", "is_batch", "show_message"} <= set(members)
    for name in members:
        mine = getattr(HoudiniHost, name)
        if callable(mine):
            wanted = list(inspect.signature(getattr(HostAdapter, name)).parameters)
            assert list(inspect.signature(mine).parameters)[:len(wanted)] == wanted, name
    host = HoudiniHost()
    assert host.name == "houdini" and host.is_batch() is True and host.scene_modified() is False


def test_time_dependent_references_evaluate_in_their_node_at_each_frame(tmp_path: Path, scene: Path,
                                                                      hou: Any) -> None:
    """A File Cache's name comes from its own parms (``chs()``): only ``Parm.evalAsStringAtFrame`` resolves
    it. A backtick expression on ``$T`` (no ``$F`` at all) is time-dependent too: every frame is found."""
    from rfsync_houdini.host import HoudiniHost

    root = tmp_path / "proj"
    for n in (1, 2, 3):
        (root / "geo" / f"fc.{n:04d}.bgeo.sc").write_bytes(b"c%d" % n)
        (root / "tex" / f"flip.{n:02d}.exr").write_bytes(b"t%d" % n)
    hou.node("/obj/geo1").createNode("filecache", "fc")
    hou.node("/mat").createNode("mtlximage", "flip").parm("file").set("$HIP/tex/flip.`padzero(2, $T*24+1)`.exr")
    rop = hou.node("/out/rfsync1")
    result = HoudiniHost().collect_assets([1, 2, 3], (rop.path(),))
    found = rel(root, result.found)
    assert {f"geo/fc.{n:04d}.bgeo.sc" for n in (1, 2, 3)} <= set(found), result.warnings
    assert {f"tex/flip.{n:02d}.exr" for n in (1, 2, 3)} <= set(found)
    assert not any("cannot expand" in w for w in result.warnings)


def test_ff_and_t_are_time_tokens(hou: Any) -> None:
    from rfsync_houdini import collect

    for raw in ("$HIP/a.$FF.bgeo", "$HIP/a.${T}.bgeo", "$HIP/a.`$T`.bgeo", "$HIP/a.`1+1`.bgeo", "$HIP/a.$F4.exr"):
        assert collect.is_time_dependent(raw), raw
    for raw in ("$HIP/a.bgeo", "$HIP/$FPS.bgeo", "$HIP/$TEMP/a.bgeo"):
        assert not collect.is_time_dependent(raw), raw
