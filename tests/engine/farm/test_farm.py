"""The farm protocol documents: status.json and task.json validation, task ids, frame lists."""

from __future__ import annotations

import json
import time
from typing import Any, Dict

import pytest

from rfsync_core.errors import FarmError, TaskNotFoundError
from rfsync_core.farm import (
    check_task_id,
    expand_frames,
    new_task_id,
    output_prefix_for,
    parse_task_config,
    parse_task_status,
    read_task_status,
    safe_scene_name,
    scene_name_from_path,
    task_config_document,
    task_status_document,
)


def status_doc(**over: Any) -> Dict[str, Any]:
    doc: Dict[str, Any] = {
        "schema": 1,
        "task_id": "123",
        "scene": "sh010",
        "state": "rendering",
        "output_prefix": "output/123_sh010/",
        "frames": [
            {"frame": "1", "state": "done", "outputs": ["output/123_sh010/beauty/sh010.0001.exr"]},
            {"frame": 2, "state": "rendering", "outputs": []},
            {"frame": "3", "state": "failed", "outputs": [], "message": "crash"},
        ],
        "updated": "2024-11-24T06:40:12Z",
    }
    doc.update(over)
    return doc


def test_valid_status_is_parsed() -> None:
    st = parse_task_status(json.dumps(status_doc(farm_node="n12")).encode(), "123")
    assert st.state == "rendering" and not st.ended
    assert [f.frame for f in st.frames] == ["1", "2", "3"]
    assert st.frames[0].outputs == ("output/123_sh010/beauty/sh010.0001.exr",)
    assert st.frames_done == 1 and st.frames_failed == 1
    assert st.frames[2].message == "crash"
    assert st.folder_name == "123_sh010"
    assert st.summary() == "task 123: 1/3 frames done, 1 failed"
    assert st.extra == {"farm_node": "n12"}
    # round trip through the farm-side writer
    again = parse_task_status(json.dumps(task_status_document(st)), "123")
    assert again == st


def test_schema_key_is_optional_and_final_states_end() -> None:
    doc = status_doc(state="stopped")
    del doc["schema"]
    st = parse_task_status(json.dumps(doc), "123")
    assert st.schema == 1 and st.ended
    assert "(stopped)" in st.summary()


@pytest.mark.parametrize(
    "data, needle",
    [
        (b"{not json", "not valid JSON"),
        (b"\xff\xfe", "not valid JSON"),
        (json.dumps([1, 2]).encode(), "must be object"),
        (json.dumps(status_doc(state="finished")).encode(), "state must be one of"),
        (json.dumps({k: v for k, v in status_doc().items() if k != "frames"}).encode(), "frames"),
        (json.dumps(status_doc(frames=[{"frame": "1", "state": "done"}])).encode(), "outputs"),
        (json.dumps(status_doc(frames=[{"frame": "1", "state": "done", "outputs": "a.exr"}])).encode(),
         "must be array"),
        (json.dumps(status_doc(task_id="999")).encode(), "expected '123'"),
        (json.dumps(status_doc(output_prefix="elsewhere/")).encode(), "output_prefix"),
        (json.dumps(status_doc(output_prefix="output/123")).encode(), "output_prefix"),
        (json.dumps(status_doc(output_prefix="output/../../")).encode(), "output_prefix"),
        (json.dumps(status_doc(output_prefix="output//")).encode(), "output_prefix"),
        (json.dumps(status_doc(schema=7)).encode(), "schema version 7"),
        (json.dumps(status_doc(frames=[{"frame": "1", "state": "done", "outputs": []}] * 2)).encode(),
         "listed twice"),
    ],
)
def test_malformed_status_names_task_and_problem(data: bytes, needle: str) -> None:
    with pytest.raises(FarmError) as info:
        parse_task_status(data, "123")
    msg = str(info.value)
    assert msg.startswith("task 123: status.json"), msg
    assert needle in msg, msg


@pytest.mark.parametrize("bad", ["", "../x", "a/b", "-x", "a b", "x" * 65, "C:"])
def test_bad_task_ids_are_refused(bad: str) -> None:
    with pytest.raises(FarmError, match="invalid task id"):
        check_task_id(bad)


def test_task_ids() -> None:
    assert check_task_id(18164087) == "18164087"
    tid = new_task_id()
    assert check_task_id(tid) == tid and tid.isdigit()
    time.sleep(0.002)
    assert int(new_task_id()) > int(tid)  # ids grow with time, so a farm can sort them


def test_frame_lists() -> None:
    assert expand_frames("1-5") == ["1", "2", "3", "4", "5"]
    assert expand_frames("1-10x3, 4, 20") == ["1", "4", "7", "10", "20"]
    assert expand_frames("-2--1,0") == ["-2", "-1", "0"]
    assert expand_frames([3, 1, 3]) == ["3", "1"]
    for bad in ("", "5-1", "1-3x0", "a", "1..3"):
        with pytest.raises(ValueError):
            expand_frames(bad)
    with pytest.raises(ValueError):
        expand_frames([1.5])  # type: ignore[list-item]


def test_scene_names() -> None:
    assert scene_name_from_path("/D/proj/sh010.ma") == "sh010"
    assert scene_name_from_path("C:\\p\\shot v2.hip") == "shot v2"
    assert safe_scene_name("shot v2/../x") == "shot_v2_.._x"
    assert safe_scene_name("..") == "_.."
    assert output_prefix_for("42", "shot v2") == "output/42_shot_v2/"


def test_task_config_round_trip_and_errors() -> None:
    doc = task_config_document("42", "/D/proj/sh010.ma", host="maya", host_version="2024",
                               renderer="arnold", frames="1-3", layers=["masterLayer"], cameras=["cam"])
    cfg = parse_task_config(json.dumps(doc), "42")
    assert cfg.frames == ("1", "2", "3") and cfg.scene_name == "sh010"
    assert cfg.output_prefix == "output/42_sh010/"
    assert cfg.layers == ("masterLayer",) and cfg.cameras == ("cam",)
    with pytest.raises(FarmError, match=r"task 42: task.json: frames: bad frame range"):
        parse_task_config(json.dumps(dict(doc, frames="9-1")), "42")
    with pytest.raises(FarmError, match=r"task 42: task.json: document must contain \['renderer'\]|renderer"):
        parse_task_config(json.dumps({k: v for k, v in doc.items() if k != "renderer"}), "42")
    with pytest.raises(FarmError, match="task_id is '42', expected '43'"):
        parse_task_config(json.dumps(doc), "43")


# -- reading from a real storage -------------------------------------------------


def _folder_storage(root: Any) -> Any:
    from rfsync_core.config import Platform
    from rfsync_core.storage import open_storage

    return open_storage(Platform(name="t", engine="folder", root=str(root)), None)


def test_read_status_unknown_submitted_and_present(tmp_path: Any) -> None:
    storage = _folder_storage(tmp_path / "farm")
    with pytest.raises(TaskNotFoundError, match="task 77 is unknown"):
        read_task_status(storage, 77)
    storage.put_bytes("tasks/77/cfg/task.json", b"{}")
    st = read_task_status(storage, "77")
    assert st.submitted_only and st.state == "waiting" and not st.ended and st.frames == ()
    doc = status_doc(task_id="77", output_prefix="output/77_sh010/")
    storage.put_bytes("tasks/77/status.json", json.dumps(doc).encode())
    st = read_task_status(storage, "77")
    assert not st.submitted_only and st.frames_done == 1
    storage.put_bytes("tasks/77/status.json", b"[")
    with pytest.raises(FarmError, match=r"task 77: status\.json is not valid JSON"):
        read_task_status(storage, "77")
