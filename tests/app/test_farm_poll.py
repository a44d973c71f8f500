"""The farm poller against the farm emulator, on the folder platform and on the rclone S3 server."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any, List

from download_helpers import client, emulator, farm_platform, submit  # noqa: F401

from rfsync_core.app.farm_poll import (
    UNKNOWN,
    UNREADABLE,
    DownloadGroup,
    FarmPoller,
    TaskState,
    auto_download_groups,
    folder_groups,
    read_states,
)
from rfsync_core.app.task_history import TaskEntry
from rfsync_core.client import Client


def test_states_follow_the_render_and_the_poll_ends(client: Client, farm_platform: str) -> None:  # noqa: F811
    submit(client, "701", frames="1-4")
    emu = emulator(client, "701", frame_time=0.15, fail_frames=["3"]).start()
    seen: List[TaskState] = []
    poller = FarmPoller([(farm_platform, "701")], seen.append, interval=0.02, max_interval=0.1).start()
    assert poller.join(60), "the poller must end by itself once the task ended"
    emu.join(5)
    last = seen[-1]
    assert (last.state, last.done, last.failed, last.total, last.failed_frames) == ("failed", 3, 1, 4, ("3",))
    assert last.final and not last.running
    assert last.frames_text() == "3/4 done, 1 failed"
    # states seen while it rendered: frames done one by one, not only the end
    assert any(s.state == "rendering" and 0 < s.done < 4 for s in seen)
    assert [s.done for s in seen] == sorted(s.done for s in seen)


def test_an_unknown_task_is_reported_once_and_not_polled_again(client: Client,  # noqa: F811
                                                                 farm_platform: str) -> None:  # noqa: F811
    seen: List[TaskState] = []
    poller = FarmPoller([(farm_platform, "709")], seen.append, interval=0.01)
    poller.run()  # returns: an unknown task is final
    assert [s.state for s in seen] == [UNKNOWN]
    assert "709" in seen[0].message and poller.polls[(farm_platform, "709")] == 1


def test_a_submitted_task_the_farm_has_not_picked_up_is_waiting(client: Client,  # noqa: F811
                                                                  farm_platform: str) -> None:  # noqa: F811
    submit(client, "711")
    states = read_states([(farm_platform, "711"), (farm_platform, "712")])
    assert states[(farm_platform, "711")].state == "waiting" and states[(farm_platform, "711")].running
    assert states[(farm_platform, "712")].state == UNKNOWN


def test_a_platform_that_cannot_be_opened_is_given_up_after_max_errors() -> None:
    seen: List[TaskState] = []
    poller = FarmPoller([("no-such-platform", "801")], seen.append, interval=0.01, max_errors=3)
    poller.run()
    assert [s.state for s in seen] == [UNREADABLE] and poller.polls[("no-such-platform", "801")] == 3
    assert "no-such-platform" in seen[0].message


def test_stop_ends_the_background_thread(client: Client, farm_platform: str) -> None:  # noqa: F811
    submit(client, "721")  # never rendered: it would be polled forever without stop()
    updated = threading.Event()
    poller = FarmPoller([(farm_platform, "721")], lambda _s: updated.set(), interval=0.05).start()
    assert updated.wait(30)
    poller.stop()
    assert poller.join(15) and not poller.is_alive()


def test_groups_download_at_once_into_their_folders_with_one_progress_and_one_cancel(
        client: Client, farm_platform: str, tmp_path: Path) -> None:  # noqa: F811
    from rfsync_core.transfer.download import Downloader

    groups = [DownloadGroup(str(tmp_path / "a"), True, ("711",)), DownloadGroup(str(tmp_path / "b"), False, ("712",))]
    for group in groups:
        submit(client, group.task_ids[0], frames="1-3")
    emus = [emulator(client, tid, frame_time=0.1).start() for tid in ("711", "712")]
    snaps: List[Any] = []
    dl = Downloader(client, threads=2, progress=snaps.append)
    result = auto_download_groups(dl, groups, sleep_time=0.05)
    for emu in emus:
        emu.join(10)
    assert result.ok and len(result.downloaded) == 8  # 3 frames + render.log, each task
    assert sorted(os.listdir(tmp_path / "a")) == ["masterLayer", "render.log"]  # flat
    assert sorted(os.listdir(tmp_path / "b")) == ["712_sh010"]
    assert max(s.files_done for s in snaps) == 8  # one total over both downloads
    dl.cancel()  # the shared token: a second run stops at once instead of waiting for the farm
    submit(client, "713", frames="1")
    again = auto_download_groups(dl, [DownloadGroup(str(tmp_path / "c"), False, ("713",))], sleep_time=60)
    assert again.cancelled


def test_folder_groups_follow_the_remembered_folders_unless_one_is_given() -> None:
    def entry(tid: str, folder: str, flat: bool = False) -> TaskEntry:
        return TaskEntry("local", tid, "maya", "/s.ma", "1", 0.0, folder, flat)

    running = [entry("1", "/shot/a", True), entry("2", "/shot/b"), entry("3", ""), entry("4", "/shot/a", True)]
    assert folder_groups(["9"], running, None, False) == [
        DownloadGroup(None, False, ("9", "3")), DownloadGroup("/shot/a", True, ("1", "4")),
        DownloadGroup("/shot/b", False, ("2",))]
    assert folder_groups([], running, "/dl", False) == [DownloadGroup("/dl", False, ("1", "2", "3", "4"))]
