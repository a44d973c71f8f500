"""transfer.watch.ServerWatch: the window counts from the first failure after the last answer."""

from __future__ import annotations

import time

from rfsync_core.errors import NotFoundError, ServerError
from rfsync_core.transfer.watch import ServerWatch


def test_one_failure_after_a_long_quiet_success_is_not_a_dead_server() -> None:
    watch = ServerWatch("http://127.0.0.1:9", window=0.2)
    watch.ok()
    time.sleep(0.3)  # a long part upload with no other attempt in between
    watch.failed(ServerError("503 SlowDown", status=503))
    assert not watch.gone()


def test_failures_for_the_whole_window_end_the_run_and_an_answer_resets_it() -> None:
    watch = ServerWatch("http://127.0.0.1:9", window=0.2)
    watch.failed(ServerError("503 SlowDown", status=503))
    watch.failed(NotFoundError("no such key", status=404))  # a 4xx is an answer: the clock restarts
    watch.failed(ServerError("503 SlowDown", status=503))
    time.sleep(0.1)
    assert not watch.gone()
    time.sleep(0.15)
    watch.failed(ServerError("503 SlowDown", status=503))
    assert watch.gone()
    assert "the server at http://127.0.0.1:9 has not answered for 0.2 s: 503 SlowDown" in watch.message(3)
