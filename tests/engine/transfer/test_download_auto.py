"""auto_download against a farm emulator that writes frames over time, on both storage engines."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from download_helpers import client, emulator, farm_platform, files_under, submit  # noqa: F401

from rfsync_core.client import Client
from rfsync_core.errors import TaskNotFoundError
from rfsync_core.testing.farm_emulator import frame_output_bytes
from rfsync_core.transfer.download import Downloader
from rfsync_core.transfer.progress import Progress


def test_frames_arrive_while_the_task_renders(client: Client, tmp_path: Path) -> None:  # noqa: F811
    submit(client, "501", frames="1-4", layers=["beauty", "spec"])
    emu = emulator(client, "501", frame_time=0.5, finish_time=0.8, output_size=20_000).start()
    messages: list = []
    dl = Downloader(client, progress=lambda p: messages.append(p.message))
    result = dl.auto_download(["501"], tmp_path / "dl", sleep_time=0.1)
    returned = time.time()
    emu.join(5)
    assert result.ok, result.failed
    assert emu.ended_at is not None and emu.ending_at is not None and returned >= emu.ended_at
    local = tmp_path / "dl" / "501_sh010"
    for frame, done_at in emu.marked_done.items():
        for layer in ("beauty", "spec"):
            path = local / layer / f"sh010.{int(frame):04d}.exr"
            assert path.read_bytes() == frame_output_bytes("501", frame, layer, 20_000)
            got_at = path.stat().st_mtime
            # downloaded after the farm marked the frame done, and before the task ended
            assert done_at <= got_at <= emu.ending_at, (frame, done_at, got_at, emu.ending_at)
    assert (local / "render.log").exists()  # the final pass fetched the file that belongs to no frame
    assert sorted(result.downloaded) == sorted([*(k for o in emu.outputs.values() for k in o),
                                                "output/501_sh010/render.log"])
    assert not [p for p in files_under(tmp_path / "dl") if p.endswith(".part")]
    assert any("task 501: 4/4 frames done" in m for m in messages)
    assert result.tasks["501"].state == "done"

    again = Downloader(client).auto_download(["501"], tmp_path / "dl", sleep_time=0.1)
    assert again.ok and again.downloaded == [] and len(again.skipped) == 9


def test_failed_frames_are_reported_and_good_frames_downloaded(client: Client, tmp_path: Path) -> None:  # noqa: F811
    submit(client, "502", frames="1-3")
    emulator(client, "502", fail_frames=["2"]).start().join(10)
    result = Downloader(client).auto_download(["502"], tmp_path / "dl", sleep_time=0.1)
    assert not result.ok
    assert [(t, f) for t, f, _ in result.failed_frames] == [("502", "2")]
    assert ("task 502 frame 2", "failed on the farm: emulated render failure") in result.failed
    assert files_under(tmp_path / "dl" / "502_sh010") == ["masterLayer/sh010.0001.exr", "masterLayer/sh010.0003.exr",
                                                    "render.log"]
    with pytest.raises(Exception, match="task 502 frame 2: failed on the farm"):
        result.raise_for_failures()


def test_stopped_task_reports_frames_never_rendered(client: Client, tmp_path: Path) -> None:  # noqa: F811
    submit(client, "503", frames="1-3")
    emulator(client, "503", stop_after=1).run()
    result = Downloader(client).auto_download(["503"], tmp_path / "dl", sleep_time=0.1)
    assert result.tasks["503"].state == "stopped"
    assert [(f, why) for _, f, why in result.failed_frames] == [("2", "not rendered (task stopped)"),
                                                                ("3", "not rendered (task stopped)")]
    assert (tmp_path / "dl" / "503_sh010" / "masterLayer" / "sh010.0001.exr").exists()


def test_after_complete_waits_for_the_end(client: Client, tmp_path: Path) -> None:  # noqa: F811
    submit(client, "504", frames="1-3")
    emu = emulator(client, "504", frame_time=0.3).start()
    result = Downloader(client).auto_download(["504"], tmp_path / "dl", sleep_time=0.1, after_complete=True, flat=True)
    emu.join(5)
    assert result.ok, result.failed
    assert emu.ending_at is not None
    names = files_under(tmp_path / "dl")
    assert names == ["masterLayer/sh010.0001.exr", "masterLayer/sh010.0002.exr", "masterLayer/sh010.0003.exr",
                     "render.log"]
    for name in names:
        assert (tmp_path / "dl" / name).stat().st_mtime >= emu.ending_at


def test_unknown_task_fails_at_once(client: Client, tmp_path: Path) -> None:  # noqa: F811
    submit(client, "505")
    t0 = time.monotonic()
    with pytest.raises(TaskNotFoundError, match="task 999 is unknown"):
        Downloader(client).auto_download(["505", "999"], tmp_path / "dl", sleep_time=10)
    with pytest.raises(TaskNotFoundError):
        Downloader(client).download(["999"], tmp_path / "dl")
    assert time.monotonic() - t0 < 5
    assert files_under(tmp_path / "dl") == []


def test_submitted_task_waits_for_pickup_and_cancel_stops_the_wait(client: Client, tmp_path: Path) -> None:  # noqa: F811
    submit(client, "506")  # never picked up by a farm
    snaps: list = []
    dl = Downloader(client, progress=snaps.append)
    timer = threading.Timer(0.5, dl.cancel)
    timer.start()
    t0 = time.monotonic()
    result = dl.auto_download(["506"], tmp_path / "dl", sleep_time=30)
    assert time.monotonic() - t0 < 3
    assert result.cancelled and not result.ok
    assert any("waiting for the farm" in s.message for s in snaps if isinstance(s, Progress))


def test_a_status_caught_mid_write_is_read_again_next_poll(client: Client, tmp_path: Path) -> None:  # noqa: F811
    """A farm on a share (or a server that writes in place) can be read while it rewrites status.json."""
    from rfsync_core.farm import status_key
    from rfsync_core.farm.status import FINAL_STATES

    submit(client, "508", frames="1-3", layers=["beauty"])
    emu = emulator(client, "508", frame_time=0.6, finish_time=0.3, output_size=5_000)
    messages: list = []
    torn, restored = threading.Event(), threading.Event()
    farm_put = emu.writer.put

    def farm_writes_in_place(key: str, data: bytes) -> None:
        # The farm itself leaves half a document while the task still renders (as a write in place
        # would), and completes it only once a poll has read the torn one (bounded): no race with the
        # downloader's pace, whatever the machine's load.
        doc = json.loads(data) if key == status_key("508") else {}
        rendering = doc.get("state") not in FINAL_STATES
        if not torn.is_set() and rendering and any(f.get("state") == "done" for f in doc.get("frames", [])):
            torn.set()
            farm_put(key, data[: len(data) // 2])
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not any("status unreadable" in m for m in list(messages)):
                time.sleep(0.02)
            restored.set()
        farm_put(key, data)

    emu.writer.put = farm_writes_in_place  # type: ignore[method-assign]
    emu.start()

    def torn_write(p: Progress) -> None:
        messages.append(p.message)

    result = Downloader(client, progress=torn_write).auto_download(["508"], tmp_path / "dl", sleep_time=0.1)
    emu.join(5)
    assert restored.is_set()
    assert any("status unreadable (1/6), trying again" in m for m in messages), messages
    assert result.ok, result.failed
    assert len([p for p in files_under(tmp_path / "dl") if p.endswith(".exr")]) == 3


def test_a_status_that_stays_broken_gives_the_task_up_after_a_few_polls(client: Client, tmp_path: Path) -> None:  # noqa: F811
    from rfsync_core.farm import status_key
    from rfsync_core.transfer.download import MAX_FAILED_POLLS

    submit(client, "509", frames="1-2")
    emu = emulator(client, "509", frame_time=30.0).start()  # picks the task up, then renders for a long time
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                client.storage.head(status_key("509"))
                break
            except Exception:
                time.sleep(0.05)
        broken: list = []

        def break_after_first_read(p: Progress) -> None:
            if p.message and not broken:
                broken.append(p.message)
                client.storage.put_bytes(status_key("509"), b"not json")

        t0 = time.monotonic()
        result = Downloader(client, progress=break_after_first_read).auto_download(["509"], tmp_path / "dl",
                                                                                  sleep_time=0.05)
        assert time.monotonic() - t0 < 10  # bounded: it does not poll a broken status forever
        assert broken
        assert len(result.failed) == 1
        what, why = result.failed[0]
        assert what == "task 509"
        assert f"status unreadable {MAX_FAILED_POLLS} times in a row" in why and "not valid JSON" in why
    finally:
        emu.stop()
        emu.join(10)
