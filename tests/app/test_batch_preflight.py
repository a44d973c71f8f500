"""Batch mode prints the preflight table, stops on its errors (and on warnings with strict), and the
submitted task's tips.json carries the report."""

from __future__ import annotations

import io
from pathlib import Path

from upload_util import folder_platform

from rfsync_core.app import CollectResult, TransferSettings
from rfsync_core.app.batch import EXIT_MISSING, EXIT_OK, EXIT_PREFLIGHT, send_from_batch
from rfsync_core.app.tasks import TaskInfo
from rfsync_core.farm.configs import parse_tips_config


def _platform(tmp_path: Path) -> str:
    return folder_platform(tmp_path / "farm", "farm")


def _scene(tmp_path: Path) -> Path:
    scene = tmp_path / "shot" / "sh010.ma"
    scene.parent.mkdir(parents=True, exist_ok=True)
    scene.write_text("scene", encoding="utf-8")
    return scene


def test_warnings_pass_unless_strict(tmp_path: Path) -> None:
    platform = _platform(tmp_path)
    scene = _scene(tmp_path)
    empty = scene.parent / "empty.exr"
    empty.write_bytes(b"")
    found = CollectResult(found=[str(scene), str(empty)])
    out, err = io.StringIO(), io.StringIO()
    code = send_from_batch(str(scene), lambda: found, lambda: TransferSettings(platform=platform), strict=True,
                           out=out, err=err)
    assert code == EXIT_PREFLIGHT and "--strict" in err.getvalue()
    assert "rfsync: WARNING zero_bytes:" in out.getvalue()
    assert not (tmp_path / "farm").exists()  # nothing was sent
    code = send_from_batch(str(scene), lambda: found, lambda: TransferSettings(platform=platform),
                           out=io.StringIO(), err=io.StringIO())
    assert code == EXIT_OK


def test_frames_the_render_needs_stop_the_batch(tmp_path: Path) -> None:
    platform = _platform(tmp_path)
    scene = _scene(tmp_path)
    cache = []
    for f in (1, 2, 4):
        cache.append(scene.parent / f"sim.{f:04d}.abc")
        cache[-1].write_bytes(b"c")
    found = CollectResult(found=[str(scene)] + [str(p) for p in cache])
    out, err = io.StringIO(), io.StringIO()
    code = send_from_batch(str(scene), lambda: found, lambda: TransferSettings(platform=platform),
                           frames=range(1, 5), out=out, err=err)
    assert code == EXIT_PREFLIGHT and "frames_missing" in out.getvalue()


def test_missing_allowed_then_submitted_tips_carry_the_report(tmp_path: Path) -> None:
    platform = _platform(tmp_path)
    scene = _scene(tmp_path)
    gone = str(tmp_path / "gone.exr")
    collected = CollectResult(found=[str(scene)], missing=[gone], sources={gone: ["file1.fileTextureName"]})

    def info(task_id: str) -> TaskInfo:
        return TaskInfo(task_id=task_id, scene=str(scene), host="maya", host_version="2025", renderer="arnold",
                        frames="1-2")

    err = io.StringIO()
    assert send_from_batch(str(scene), lambda: collected, lambda: TransferSettings(platform=platform),
                           task_info=info, task_id="4242", out=io.StringIO(), err=err) == EXIT_MISSING
    out = io.StringIO()
    code = send_from_batch(str(scene), lambda: collected, lambda: TransferSettings(platform=platform),
                           task_info=info, task_id="4242", allow_missing=True, out=out, err=io.StringIO())
    assert code == EXIT_OK, out.getvalue()
    tips = next((tmp_path / "farm").rglob("tips.json"))
    doc = parse_tips_config(tips.read_bytes(), "4242")
    [finding] = doc["preflight"]["findings"]
    assert finding["code"] == "missing" and finding["sources"] == ["file1.fileTextureName"]
    assert doc["preflight"]["files"] == 1


def test_batch_follows_a_usd_stage_or_says_why_not(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import sys

    platform = _platform(tmp_path)
    scene = _scene(tmp_path)
    stage = scene.parent / "shot.usda"
    stage.write_text("#usda 1.0\n(\n    subLayers = [@./layer.usda@]\n)\n", encoding="utf-8")
    (scene.parent / "layer.usda").write_text("#usda 1.0\n", encoding="utf-8")
    found = CollectResult(found=[str(scene), str(stage)])
    monkeypatch.setitem(sys.modules, "pxr", None)  # as in a Python without pxr
    out, err = io.StringIO(), io.StringIO()
    assert send_from_batch(str(scene), lambda: CollectResult(found=list(found.found)),
                           lambda: TransferSettings(platform=platform), out=out, err=err) == EXIT_OK
    assert "USD dependencies not followed: pxr not importable" in err.getvalue()
    assert "2 file(s) found" in out.getvalue()
    monkeypatch.delitem(sys.modules, "pxr")
    try:
        import pxr  # noqa: F401
    except ImportError:
        return  # the rest needs usd-core
    out = io.StringIO()
    assert send_from_batch(str(scene), lambda: CollectResult(found=list(found.found)),
                           lambda: TransferSettings(platform=platform), out=out, err=io.StringIO()) == EXIT_OK
    assert "3 file(s) found" in out.getvalue()
    assert len(list((tmp_path / "farm").rglob("layer.usda"))) == 1
