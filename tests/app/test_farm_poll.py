"""The farm poller against the farm emulator, on the folder platform and on the rclone S3 server."""

from __future__ import annotations

import threading
from typing import List

from download_helpers import client, emulator, farm_platform, submit  # noqa: F401

from rfsync_core.app.farm_poll import UNKNOWN, UNREADABLE, FarmPoller, TaskState, read_states
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
