"""The seed's download API (seed/download.py): signatures and defaults, True on success, typed errors, caller's
list untouched."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
from download_helpers import client, emulator, farm_platform, files_under, render, submit  # noqa: F401

import rfsync_core
from rfsync_core.client import Client
from rfsync_core.errors import RfsyncError, TaskNotFoundError, TransferError
from rfsync_core.seed.download import RfsyncDownload, parse_filename_format

SEED = {
    "download": [("task_id_list", None), ("max_speed", None), ("print_log", True),
                 ("download_filename_format", "true"), ("local_path", None), ("server_path", None)],
    "auto_download": [("task_id_list", None), ("max_speed", None), ("print_log", False), ("sleep_time", 10),
                      ("download_filename_format", "true"), ("local_path", None)],
    "auto_download_after_task_completed": [("task_id_list", None), ("max_speed", None), ("print_log", True),
                                           ("sleep_time", 10), ("download_filename_format", "true"),
                                           ("local_path", None)],
}


@pytest.mark.parametrize("name", sorted(SEED))
def test_seed_signatures(name: str) -> None:
    for fn in (getattr(rfsync_core, name), getattr(RfsyncDownload, name)):
        params = [p for p in inspect.signature(fn).parameters.values()
                  if p.kind == p.POSITIONAL_OR_KEYWORD and p.name != "self"]
        assert [(p.name, p.default) for p in params] == SEED[name]
        assert {"progress", "cancel"} <= set(inspect.signature(fn).parameters)
    assert "client" in inspect.signature(getattr(rfsync_core, name)).parameters


def test_filename_format() -> None:
    assert parse_filename_format("true") is False and parse_filename_format("False") is True
    assert parse_filename_format(True) is False
    with pytest.raises(RfsyncError, match="download_filename_format"):
        parse_filename_format("maybe")


def test_module_functions_on_the_default_platform(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setenv("RFSYNC_LOCAL_ROOT", str(tmp_path / "farm"))
    with Client() as c:
        render(c, "901", frames="1-2")
    ids = [901]
    assert rfsync_core.download(ids) is True  # local_path default: ~/renderfarm_sdk
    assert ids == [901]
    home = Path.home()
    assert (home / "renderfarm_sdk" / "901_sh010" / "masterLayer" / "sh010.0002.exr").exists()
    assert "[rfsync] 3 downloaded" in capsys.readouterr().out  # print_log=True by default
    assert rfsync_core.auto_download(ids, sleep_time=0.1, download_filename_format="false",
                                     local_path=str(tmp_path / "flat"), engine_type="aspera") is True
    assert files_under(tmp_path / "flat") == ["masterLayer/sh010.0001.exr", "masterLayer/sh010.0002.exr",
                                              "render.log"]
    with pytest.raises(TypeError, match="bogus"):
        rfsync_core.download(ids, bogus=1)


def test_failures_raise_after_good_frames(client: Client, tmp_path: Path) -> None:  # noqa: F811
    render(client, "902", frames="1-3", fail_frames=["3"])
    api = RfsyncDownload(client)
    ids = ["902"]
    with pytest.raises(TransferError) as info:
        api.auto_download_after_task_completed(ids, sleep_time=0.1, local_path=str(tmp_path / "dl"),
                                               print_log=False)
    assert ids == ["902"]
    assert ("task 902 frame 3", "failed on the farm: emulated render failure") in info.value.failures
    assert len(files_under(tmp_path / "dl")) == 3  # frames 1, 2 and the log
    with pytest.raises(TaskNotFoundError):
        api.download(["903"], local_path=str(tmp_path / "x"), print_log=False)
    with pytest.raises(RfsyncError, match="task_id_list is empty"):
        api.auto_download([], local_path=str(tmp_path / "x"))


def test_after_completed_with_a_running_task(client: Client, tmp_path: Path) -> None:  # noqa: F811
    submit(client, "904", frames="1-2")
    emu = emulator(client, "904", frame_time=0.3).start()
    assert RfsyncDownload(client).auto_download_after_task_completed(
        ("904",), sleep_time=0.1, local_path=str(tmp_path / "dl"), print_log=False) is True
    emu.join(5)
    assert len(files_under(tmp_path / "dl")) == 3
