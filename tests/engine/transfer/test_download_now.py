"""download(): task outputs so far, server_path subsets, filename formats, records, existing local files."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from download_helpers import client, farm_platform, files_under, render, submit  # noqa: F401

from rfsync_core.client import Client
from rfsync_core.errors import UnsafePathError
from rfsync_core.testing.farm_emulator import frame_output_bytes, writer_for
from rfsync_core.transfer.download import Downloader

FRAMES = ["masterLayer/sh010.0001.exr", "masterLayer/sh010.0002.exr", "render.log"]


def test_both_filename_formats_and_rerun_fetches_nothing(client: Client, tmp_path: Path) -> None:  # noqa: F811
    render(client, "601", frames="1-2")
    nested = Downloader(client).download(["601"], tmp_path / "a")
    assert nested.ok and len(nested.downloaded) == 3 and nested.bytes_received > 0
    assert files_under(tmp_path / "a") == [f"601_sh010/{p}" for p in FRAMES]
    flat = Downloader(client).download(["601"], tmp_path / "b", flat=True)
    assert flat.ok and files_under(tmp_path / "b") == FRAMES
    assert (tmp_path / "b" / FRAMES[0]).read_bytes() == frame_output_bytes("601", "1", "masterLayer", 4096)

    again = Downloader(client).download(["601"], tmp_path / "a")
    assert again.ok and again.downloaded == [] and again.bytes_received == 0 and len(again.skipped) == 3


def test_running_task_gives_done_frames_only(client: Client, tmp_path: Path) -> None:  # noqa: F811
    submit(client, "602", frames="1-3")
    from download_helpers import emulator

    emu = emulator(client, "602", stop_after=1, finish_time=0.0)
    emu.run()
    # rewrite status as if still rendering: frame 1 done, frame 2 rendering, no final state
    import json

    writer = writer_for(client.platform)
    doc = json.loads(writer.get("tasks/602/status.json") or b"{}")
    doc["state"] = "rendering"
    doc["frames"][1]["state"] = "rendering"
    writer.put("tasks/602/status.json", json.dumps(doc).encode())
    result = Downloader(client).download(["602"], tmp_path / "dl")
    assert result.ok, result.failed  # frames still to come are not failures while the task runs
    assert files_under(tmp_path / "dl") == ["602_sh010/masterLayer/sh010.0001.exr"]  # no render.log yet


def test_server_path_subsets(client: Client, tmp_path: Path) -> None:  # noqa: F811
    render(client, "603", frames="1-2", layers=["beauty", "spec"])
    render(client, "604", frames="1")
    # without task ids: server_path alone, relative to output/
    r = Downloader(client).download(None, tmp_path / "a", server_paths="603_sh010/spec")
    assert r.ok and files_under(tmp_path / "a") == ["603_sh010/spec/sh010.0001.exr", "603_sh010/spec/sh010.0002.exr"]
    r = Downloader(client).download(None, tmp_path / "b", server_paths=["/output/603_sh010/beauty/",
                                                                       "604_sh010/render.log"], flat=True)
    assert r.ok and files_under(tmp_path / "b") == ["beauty/sh010.0001.exr", "beauty/sh010.0002.exr", "render.log"]
    # with a task id: relative to output/ or to the task's folder
    r = Downloader(client).download(["603"], tmp_path / "c", server_paths=["beauty"])
    assert r.ok and files_under(tmp_path / "c") == ["603_sh010/beauty/sh010.0001.exr",
                                                    "603_sh010/beauty/sh010.0002.exr"]
    # nothing there → reported
    r = Downloader(client).download(None, tmp_path / "d", server_paths="nope_x")
    assert not r.ok and r.failed[0][0] == "output/nope_x"
    with pytest.raises(UnsafePathError):
        Downloader(client).download(None, tmp_path / "e", server_paths="../tasks")


def test_existing_local_files_policy(client: Client, tmp_path: Path) -> None:  # noqa: F811
    render(client, "605", frames="1")
    root = tmp_path / "dl"
    target = root / "605_sh010" / "masterLayer" / "sh010.0001.exr"
    good = frame_output_bytes("605", "1", "masterLayer", 4096)
    # an identical file already here (no records): skipped when the storage gives an MD5, else replaced
    target.parent.mkdir(parents=True)
    target.write_bytes(good)
    r = Downloader(client, use_records=False).download(["605"], root)
    assert r.ok and target.read_bytes() == good
    # a different local file: skip keeps it, keep-both saves beside it, replace overwrites
    target.write_bytes(b"edited by hand")
    r = Downloader(client, on_exists="skip").download(["605"], root)
    assert r.ok and target.read_bytes() == b"edited by hand"
    r = Downloader(client, on_exists="keep-both").download(["605"], root)
    assert r.ok and target.read_bytes() == b"edited by hand"
    assert (target.parent / "sh010.0001 (1).exr").read_bytes() == good
    r = Downloader(client, on_exists="keep-both").download(["605"], root)  # recorded: not fetched again
    assert r.ok and "output/605_sh010/masterLayer/sh010.0001.exr" in r.skipped
    assert not (target.parent / "sh010.0001 (2).exr").exists()
    r = Downloader(client).download(["605"], root)
    assert r.ok and target.read_bytes() == good


def test_changed_remote_is_fetched_again(client: Client, tmp_path: Path) -> None:  # noqa: F811
    render(client, "606", frames="1")
    root = tmp_path / "dl"
    assert Downloader(client).download(["606"], root).ok
    key = "output/606_sh010/masterLayer/sh010.0001.exr"
    time.sleep(1.1)  # a folder farm is told apart by size+mtime; make sure the mtime moves
    writer_for(client.platform).put(key, b"re-rendered!" * 500)
    r = Downloader(client).download(["606"], root)
    assert r.ok and r.downloaded == [key]
    assert (root / "606_sh010/masterLayer/sh010.0001.exr").read_bytes() == b"re-rendered!" * 500
    assert not [p for p in files_under(root) if p.endswith(".part")]
    assert os.listdir(root / "606_sh010" / "masterLayer") == ["sh010.0001.exr"]


def test_an_unexpected_error_in_a_worker_fails_the_file_instead_of_vanishing(
        client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """A bug (not an RfsyncError/OSError) in one file's fetch used to die in the pool's future: 0 failed."""
    from rfsync_core.transfer.download import run as run_mod

    render(client, "731", frames="1-2")
    real = run_mod.Run._fetch
    calls = []

    def buggy(self, item, target, rec):  # type: ignore[no-untyped-def]
        calls.append(item.key)
        if len(calls) == 1:
            raise KeyError("bug")
        return real(self, item, target, rec)

    monkeypatch.setattr(run_mod.Run, "_fetch", buggy)
    result = Downloader(client).download(["731"], tmp_path / "dl")
    assert not result.ok
    assert len(result.failed) == 1
    assert "internal error: KeyError" in result.failed[0][1]
    assert len(result.downloaded) == len(calls) - 1 >= 1


def test_hidden_outputs_skipped_in_a_listing_are_reported(client: Client, tmp_path: Path) -> None:  # noqa: F811
    render(client, "607", frames="1-2")
    writer = writer_for(client.platform)
    writer.put("output/607_sh010/.hidden.exr", b"h")
    writer.put("output/607_sh010/masterLayer/.x.exr", b"x")
    writer.put("output/607_sh010/masterLayer/y.exr.tmp", b"t")  # temporary, not hidden: not counted
    result = Downloader(client).download(["607"], tmp_path / "a")
    assert result.ok, result.failed
    assert result.hidden_skipped == 2 and "skipped 2 hidden files" in result.summary()
    assert files_under(tmp_path / "a") == [f"607_sh010/{p}" for p in FRAMES]
    sub = Downloader(client).download(None, tmp_path / "b", server_paths="607_sh010/masterLayer")
    assert sub.hidden_skipped == 1 and "skipped 1 hidden file," not in sub.summary()
    assert sub.summary().endswith("skipped 1 hidden file")
