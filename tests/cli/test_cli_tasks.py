"""`rfsync tasks` (the task history with live states, `--watch`) and `rfsync auto-download --mine`."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any, List, Tuple

import pytest
from download_helpers import client, emulator, farm_platform, files_under, render, submit  # noqa: F401

from rfsync_core.app import farm_poll
from rfsync_core.app.task_history import TaskEntry, TaskHistory
from rfsync_core.cli.main import main
from rfsync_core.client import Client


def _remember(platform: str, task_id: str, scene: str = "/D/proj/sh010.ma") -> None:
    TaskHistory().record(TaskEntry(platform, task_id, "maya", scene, "1-3", time.time()))


def _render_once_mine_is_read(monkeypatch: pytest.MonkeyPatch, farm: Client, task_id: str,
                              **kwargs: Any) -> threading.Thread:
    """The farm renders ``task_id`` only once ``--mine`` has read which tasks run (the real reader, noted):
    a task that ended before that read would rightly not be "running"."""
    read = threading.Event()
    real = farm_poll.read_task_status

    def read_and_tell(*args: Any, **kw: Any) -> Any:
        try:
            return real(*args, **kw)
        finally:
            read.set()

    monkeypatch.setattr(farm_poll, "read_task_status", read_and_tell)
    emu = emulator(farm, task_id, **kwargs)

    def render() -> None:
        if read.wait(30):
            emu.run()

    thread = threading.Thread(target=render)
    thread.start()
    return thread


def test_no_history_is_one_line(capsys: pytest.CaptureFixture) -> None:
    assert main(["tasks"]) == 0
    assert capsys.readouterr().out == "No tasks submitted from this machine yet.\n"


def test_table_shows_each_task_state(client: Client, farm_platform: str,  # noqa: F811
                                     capsys: pytest.CaptureFixture) -> None:
    render(client, "961", frames="1-3", fail_frames=["2"])
    submit(client, "962")
    for tid in ("961", "962", "963"):
        _remember(farm_platform, tid)
    assert main(["tasks"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["TASK", "PLATFORM", "HOST", "SCENE", "SUBMITTED", "STATE", "FRAMES"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert list(rows) == ["963", "962", "961"]  # newest first
    assert "unknown to the farm" in rows["963"]
    assert "waiting" in rows["962"] and "sh010.ma" in rows["962"]
    assert rows["961"].split()[-5:] == ["failed", "2/3", "done,", "1", "failed"]


def test_watch_refreshes_until_the_task_ends(client: Client, farm_platform: str,  # noqa: F811
                                             capsys: pytest.CaptureFixture) -> None:
    submit(client, "965", frames="1-3")
    _remember(farm_platform, "965")
    emu = emulator(client, "965", frame_time=0.2).start()
    assert main(["tasks", "--watch", "--interval", "0.05", "--count", "400"]) == 0  # ends when the task ended
    emu.join(10)
    tables = [t for t in capsys.readouterr().out.split("\n\n") if t.strip()]
    assert len(tables) > 1
    assert "done" in tables[-1].splitlines()[1] and "3/3 done" in tables[-1]
    assert main(["tasks", "--watch", "--interval", "0.01", "--count", "2"]) == 0  # all final: one table


def test_watch_is_bounded_by_count(client: Client, farm_platform: str,  # noqa: F811
                                   capsys: pytest.CaptureFixture) -> None:
    submit(client, "966")  # never picked up: without --count this would watch until Ctrl-C
    _remember(farm_platform, "966")
    assert main(["tasks", "--watch", "--interval", "0.01", "--count", "3"]) == 0
    assert capsys.readouterr().out.count("TASK") == 3


def test_auto_download_mine_takes_my_running_tasks(client: Client, farm_platform: str, tmp_path: Path,  # noqa: F811
                                                   capsys: pytest.CaptureFixture) -> None:
    render(client, "971", frames="1-2")  # ended: not "running"
    submit(client, "972", frames="1-2")
    for tid in ("971", "972"):
        _remember(farm_platform, tid)
    _remember("elsewhere", "973")  # another platform: not asked about
    emu = emulator(client, "972", frame_time=0.1)
    code = None

    def start_farm_late() -> None:
        time.sleep(0.3)
        emu.run()

    farm = threading.Thread(target=start_farm_late)
    farm.start()
    try:
        code = main(["auto-download", "--mine", "--sleep", "0.05", "--platform", farm_platform,
                     "--local-path", str(tmp_path / "dl"), "--quiet"])
    finally:
        farm.join(30)
    err = capsys.readouterr().err
    assert code == 0, err
    assert "running tasks of mine: 972" in err
    assert files_under(tmp_path / "dl") == ["972_sh010/masterLayer/sh010.0001.exr",
                                            "972_sh010/masterLayer/sh010.0002.exr", "972_sh010/render.log"]


def test_auto_download_without_ids_or_mine_is_one_line(capsys: pytest.CaptureFixture) -> None:
    assert main(["auto-download"]) == 1
    assert capsys.readouterr().err == "rfsync: error: auto-download needs task ids, or --mine\n"


def test_an_unreadable_task_is_asked_again_each_refresh(capsys: pytest.CaptureFixture) -> None:
    _remember("gone-platform", "981")  # its platform is not configured (any more): unreadable, not final
    assert main(["tasks", "--watch", "--interval", "0.01", "--count", "2"]) == 0
    out = capsys.readouterr().out
    assert out.count("unreadable") == 2 and "gone-platform" in out


def test_mine_with_nothing_running_says_so_and_succeeds(client: Client, farm_platform: str,  # noqa: F811
                                                        capsys: pytest.CaptureFixture) -> None:
    render(client, "975", frames="1")
    _remember(farm_platform, "975")
    assert main(["auto-download", "--mine", "--platform", farm_platform, "--quiet"]) == 0
    assert "running tasks of mine: none" in capsys.readouterr().err


def test_platform_filter(capsys: pytest.CaptureFixture) -> None:
    _remember("elsewhere", "976")
    assert main(["tasks", "--platform", "local"]) == 0
    assert capsys.readouterr().out == "No tasks submitted to platform local from this machine yet.\n"


def test_mine_goes_to_the_folder_the_tasks_were_given(client: Client, farm_platform: str,  # noqa: F811
                                                      tmp_path: Path, capsys: pytest.CaptureFixture,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    submit(client, "977", frames="1")
    TaskHistory().record(TaskEntry(farm_platform, "977", "maya", "/D/proj/sh010.ma", "1", time.time(),
                                   output_dir=str(tmp_path / "shot" / "images"), flat=True))
    farm = _render_once_mine_is_read(monkeypatch, client, "977", frame_time=0.05)
    try:
        code = main(["auto-download", "--mine", "--sleep", "0.05", "--platform", farm_platform, "--quiet"])
    finally:
        farm.join(30)
    assert code == 0, capsys.readouterr().err
    assert files_under(tmp_path / "shot" / "images") == ["masterLayer/sh010.0001.exr", "render.log"]


def _task_json(folder: Path, task_id: str, frames: str = "1-4") -> str:
    from rfsync_core.farm.configs import task_config_document

    folder.mkdir(parents=True, exist_ok=True)
    doc = task_config_document(task_id, "/D/proj/sh020.ma", host="houdini", host_version="20.5",
                               renderer="karma", frames=frames)
    path = folder / "task.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    (folder / "asset.json").write_text("{}", encoding="utf-8")
    return str(path)


@pytest.fixture
def local_farm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RFSYNC_LOCAL_ROOT", str(tmp_path / "farm"))
    return tmp_path / "farm"


def test_upload_config_with_task_json_is_recorded_like_a_host_submit(tmp_path: Path, local_farm: Path,
                                                                     capsys: pytest.CaptureFixture) -> None:
    task_json = _task_json(tmp_path / "cfg", "1732431234567011")
    assert main(["upload-config", "1732431234567011", str(tmp_path / "cfg" / "asset.json"), "--quiet"]) == 0
    assert TaskHistory().entries() == []  # no task.json yet: not submitted, not recorded
    assert main(["upload-config", "1732431234567011", task_json, str(tmp_path / "cfg" / "asset.json"),
                 "--quiet"]) == 0
    entry = TaskHistory().get("local", "1732431234567011")
    assert entry is not None
    assert (entry.host, entry.scene, entry.frames, entry.output_dir) == ("houdini", "/D/proj/sh020.ma", "1-4", "")
    capsys.readouterr()
    assert main(["tasks"]) == 0
    (row,) = capsys.readouterr().out.splitlines()[1:]
    assert row.split()[:4] == ["1732431234567011", "local", "houdini", "sh020.ma"] and "waiting" in row


def test_upload_config_whose_task_json_names_another_task_is_a_warning(tmp_path: Path, local_farm: Path,
                                                                       capsys: pytest.CaptureFixture) -> None:
    task_json = _task_json(tmp_path / "cfg", "1732431234567012")
    assert main(["upload-config", "1732431234567013", task_json, "--quiet"]) == 0  # sent: the farm has it
    err = capsys.readouterr().err
    assert err.startswith("rfsync: warning: task submitted, but not recorded in the task history:"), err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert TaskHistory().entries() == []  # nothing recorded that the farm does not have under that id


def _two_tasks_given_two_folders(tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> Tuple[Client, List[threading.Thread]]:
    """Tasks 1732431234567021 (into shot/images, flat) and …022 (into other/renders), both rendering."""
    farm = Client("local")
    for tid, folder, flat in (("1732431234567021", "shot/images", True), ("1732431234567022", "other/renders", False)):
        submit(farm, tid, frames="1-2")
        TaskHistory().record(TaskEntry("local", tid, "maya", "/D/proj/sh010.ma", "1-2", time.time(),
                                       output_dir=str(tmp_path / folder), flat=flat))
    renders = [_render_once_mine_is_read(monkeypatch, farm, "1732431234567021", frame_time=0.1)]
    renders.append(_render_once_mine_is_read(monkeypatch, farm, "1732431234567022", frame_time=0.1))
    return farm, renders


def test_mine_puts_each_task_into_its_own_remembered_folder(tmp_path: Path, local_farm: Path,
                                                            capsys: pytest.CaptureFixture,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    farm, renders = _two_tasks_given_two_folders(tmp_path, monkeypatch)
    try:
        code = main(["auto-download", "--mine", "--sleep", "0.05", "--quiet"])
    finally:
        for thread in renders:
            thread.join(30)
        farm.close()
    out, err = capsys.readouterr()
    assert code == 0, err
    assert files_under(tmp_path / "shot" / "images") == ["masterLayer/sh010.0001.exr", "masterLayer/sh010.0002.exr",
                                                         "render.log"]  # flat, as remembered
    assert files_under(tmp_path / "other" / "renders") == [
        "1732431234567022_sh010/masterLayer/sh010.0001.exr", "1732431234567022_sh010/masterLayer/sh010.0002.exr",
        "1732431234567022_sh010/render.log"]
    where = out.splitlines()[-1].split(" -> ", 1)[1]  # the summary says where the frames went
    assert sorted(where.split(", ")) == sorted([str(tmp_path / "other" / "renders"), str(tmp_path / "shot" / "images")])


def test_mine_with_local_path_puts_every_task_there(tmp_path: Path, local_farm: Path,
                                                    capsys: pytest.CaptureFixture,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    farm, renders = _two_tasks_given_two_folders(tmp_path, monkeypatch)
    try:
        code = main(["auto-download", "--mine", "--sleep", "0.05", "--quiet", "--local-path", str(tmp_path / "dl")])
    finally:
        for thread in renders:
            thread.join(30)
        farm.close()
    assert code == 0, capsys.readouterr().err
    assert [p.split("/")[0] for p in files_under(tmp_path / "dl")] == ["1732431234567021_sh010"] * 3 + [
        "1732431234567022_sh010"] * 3
    assert not (tmp_path / "shot").exists() and not (tmp_path / "other").exists()
