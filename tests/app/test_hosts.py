"""The shared host helpers, on real files: patterns, UDIMs, siblings, missing files."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import List

import pytest

from rfsync_core.app import (
    TaskInfo,
    TransferSettings,
    new_task_id,
    submit_job,
    task_folder,
    work_folder,
    write_task_configs,
)
from rfsync_core.collect import CollectResult, collect_files, expand_env, expand_file_pattern, has_pattern
from rfsync_core.errors import FarmError, LocalPathError
from rfsync_core.farm import parse_task_config


def touch(*paths: Path) -> None:
    for p in paths:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"x")


def names(paths: List[str]) -> List[str]:
    return [os.path.basename(p) for p in paths]


@pytest.fixture
def seq(tmp_path: Path) -> Path:
    d = tmp_path / "seq"
    touch(*(d / f"img.{i:04d}.exr" for i in range(1, 6)))
    touch(d / "img.exr", d / "img.0001.jpg", d / "other.0001.exr", d / "img.10000.exr")
    return d


@pytest.mark.parametrize("token", ["####", "%04d", "$F4", "<f>", "${F}", "$F", "#", "%d"])
def test_frame_tokens_expand_to_the_sequence(seq: Path, token: str) -> None:
    got = names(expand_file_pattern(str(seq / f"img.{token}.exr")))
    assert got[:5] == [f"img.{i:04d}.exr" for i in range(1, 6)]
    assert "img.exr" not in got and "img.0001.jpg" not in got and "other.0001.exr" not in got
    assert "img.10000.exr" in got  # padding is a minimum width


def test_frames_argument_limits_the_sequence(seq: Path) -> None:
    got = names(expand_file_pattern(str(seq / "img.####.exr"), frames=[2, 4, 99]))
    assert got == ["img.0002.exr", "img.0004.exr"]


def test_printf_padding_is_a_minimum(tmp_path: Path) -> None:
    touch(tmp_path / "a.1.exr", tmp_path / "a.0001.exr")
    assert names(expand_file_pattern(str(tmp_path / "a.%04d.exr"))) == ["a.0001.exr"]
    assert names(expand_file_pattern(str(tmp_path / "a.%d.exr"))) == ["a.0001.exr", "a.1.exr"]


@pytest.mark.parametrize("token", ["<UDIM>", "<udim>", "_MAPID_"])
def test_udim_tokens(tmp_path: Path, token: str) -> None:
    touch(*(tmp_path / f"wood.{t}.exr" for t in (1001, 1002, 1011)))
    touch(tmp_path / "wood.100.exr", tmp_path / "wood.abcd.exr")
    got = names(expand_file_pattern(str(tmp_path / f"wood.{token}.exr")))
    assert got == ["wood.1001.exr", "wood.1002.exr", "wood.1011.exr"]


def test_uv_tokens(tmp_path: Path) -> None:
    touch(tmp_path / "t_u1_v1.png", tmp_path / "t_u2_v1.png", tmp_path / "t_ux_v1.png")
    assert names(expand_file_pattern(str(tmp_path / "t_u<U>_v<V>.png"))) == ["t_u1_v1.png", "t_u2_v1.png"]
    assert names(expand_file_pattern(str(tmp_path / "t_<UVTILE>.png"))) == ["t_u1_v1.png", "t_u2_v1.png"]


def test_udim_and_frame_together(tmp_path: Path) -> None:
    touch(tmp_path / "d.1001.0001.exr", tmp_path / "d.1002.0001.exr", tmp_path / "d.1001.0002.exr")
    got = names(expand_file_pattern(str(tmp_path / "d.<UDIM>.####.exr"), frames=[1]))
    assert got == ["d.1001.0001.exr", "d.1002.0001.exr"]


def test_tx_and_tex_siblings(tmp_path: Path) -> None:
    touch(tmp_path / "a.1001.exr", tmp_path / "a.1001.tx", tmp_path / "a.1002.exr", tmp_path / "a.1002.tex")
    got = names(expand_file_pattern(str(tmp_path / "a.<UDIM>.exr")))
    assert got == ["a.1001.exr", "a.1001.tx", "a.1002.exr", "a.1002.tex"]
    assert names(expand_file_pattern(str(tmp_path / "a.<UDIM>.exr"), include_siblings=False)) == [
        "a.1001.exr", "a.1002.exr"]


def test_glob_characters_in_folder_names_are_literal(tmp_path: Path) -> None:
    odd = tmp_path / "v[1]*?"
    if os.name == "nt":  # '*' and '?' are not allowed in Windows names
        odd = tmp_path / "v[1]"
    touch(odd / "t.1001.exr", tmp_path / "v1" / "t.1001.exr")
    got = expand_file_pattern(str(odd / "t.<UDIM>.exr"))
    assert got == [str(odd / "t.1001.exr")]


def test_literal_file_with_hash_in_its_name_wins(tmp_path: Path) -> None:
    touch(tmp_path / "take#2.exr", tmp_path / "take12.exr")
    assert names(expand_file_pattern(str(tmp_path / "take#2.exr"))) == ["take#2.exr"]


def test_non_ascii_names(tmp_path: Path) -> None:
    touch(tmp_path / "текстура.1001.exr", tmp_path / "木.0001.exr")
    assert names(expand_file_pattern(str(tmp_path / "текстура.<UDIM>.exr"))) == ["текстура.1001.exr"]
    assert names(expand_file_pattern(str(tmp_path / "木.####.exr"))) == ["木.0001.exr"]


def test_houdini_frame_vars_are_not_env_vars(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("F", "nope")
    monkeypatch.setenv("TEXROOT", str(tmp_path))
    assert expand_env("$TEXROOT/a.$F4.exr") == f"{tmp_path}/a.$F4.exr"
    assert expand_env("${TEXROOT}/a.${F}.exr") == f"{tmp_path}/a.${{F}}.exr"
    assert expand_env("$UNSET_VAR_XYZ/a") == "$UNSET_VAR_XYZ/a"
    assert has_pattern("a.$F4.exr") and has_pattern("a.${F}.exr") and not has_pattern("a.$FOO.exr")


def test_collect_files_reports_missing_and_dedupes(tmp_path: Path, seq: Path) -> None:
    touch(tmp_path / "tex" / "a.1001.exr", tmp_path / "tex" / "a.1001.tx", tmp_path / "b.abc")
    touch(tmp_path / "cache" / "x" / "c1.bin", tmp_path / "cache" / "c2.bin")
    inputs = [
        str(tmp_path / "tex" / "a.<UDIM>.exr"),
        str(tmp_path / "b.abc"),
        str(tmp_path / "b.abc"),  # duplicate
        str(seq / "img.####.exr"),
        str(tmp_path / "gone.exr"),
        str(tmp_path / "gone.<UDIM>.exr"),
        "relative/x.exr",
        "tex/a.1001.exr",
        "",
        str(tmp_path / "cache"),
        str(tmp_path / "gone.exr"),  # missing twice: reported once
    ]
    found, missing = collect_files(inputs)
    assert found == sorted(set(found))
    assert all(os.path.isabs(p) and os.path.isfile(p) for p in found)
    assert str(tmp_path / "tex" / "a.1001.tx") in found
    assert str(tmp_path / "cache" / "x" / "c1.bin") in found and str(tmp_path / "cache" / "c2.bin") in found
    assert sum(1 for p in found if re.search(r"img\.\d{4}\.exr$", p)) == 5
    assert missing == [str(tmp_path / "gone.exr"), str(tmp_path / "gone.<UDIM>.exr"),
                       "relative/x.exr", "tex/a.1001.exr"]
    found2, missing2 = collect_files(["tex/a.1001.exr", "relative/x.exr"], base_dir=str(tmp_path))
    assert found2 == [str(tmp_path / "tex" / "a.1001.exr"), str(tmp_path / "tex" / "a.1001.tx")]
    assert missing2 == ["relative/x.exr"]


def test_source_missing_but_tx_present_is_reported(tmp_path: Path) -> None:
    touch(tmp_path / "only.tx")
    found, missing = collect_files([str(tmp_path / "only.exr")])
    assert found == [str(tmp_path / "only.tx")]
    assert missing == [str(tmp_path / "only.exr")]


def test_task_folders_and_ids(tmp_path: Path) -> None:
    scene = tmp_path / "shots" / "sh010.ma"
    assert work_folder(str(scene)) == str(tmp_path / "shots" / "rfsync" / "sh010")
    tid = new_task_id()
    assert re.fullmatch(r"\d{16}", tid)
    assert new_task_id() != new_task_id()
    assert task_folder(str(scene), tid).endswith(os.path.join("rfsync", "sh010", tid))
    assert CollectResult().found == [] and CollectResult().missing == []


# -- task configs: what the farm will accept, and clear errors -------------------------------------

def _info(tmp_path: Path, **overrides: object) -> TaskInfo:
    scene = tmp_path / "sh010.ma"
    scene.write_text("//scene\n")
    values: dict = dict(task_id="777", scene=str(scene), host="maya", host_version="2024", renderer="arnold",
                        frames="1-3", layers=["beauty"], cameras=["shotCam"])
    values.update(overrides)
    return TaskInfo(**values)  # type: ignore[arg-type]


def test_task_json_written_for_a_host_is_one_the_farm_accepts(tmp_path: Path) -> None:
    paths = write_task_configs(str(tmp_path / "cfg"), _info(tmp_path), CollectResult(found=[]))
    text = Path(paths["task.json"]).read_text(encoding="utf-8")
    config = parse_task_config(text, "777")
    assert config.renderer == "arnold" and config.scene.endswith("/sh010.ma")


def test_a_scene_without_renderer_or_frames_is_refused_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(FarmError, match="no renderer and no frame range"):
        write_task_configs(str(tmp_path / "cfg"), _info(tmp_path, renderer="", frames=""), CollectResult())
    assert not (tmp_path / "cfg").exists()


def test_an_unwritable_work_folder_is_a_one_line_error_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "rfsync").write_text("a file where the work folder should be")
    with pytest.raises(LocalPathError, match="cannot create folder"):
        write_task_configs(str(tmp_path / "rfsync" / "777"), _info(tmp_path), CollectResult())


def test_submit_refuses_a_task_id_the_farm_would_refuse(tmp_path: Path) -> None:
    with pytest.raises(FarmError, match="invalid task id"):
        submit_job("a b", {}, TransferSettings())
