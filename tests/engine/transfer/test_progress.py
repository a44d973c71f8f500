"""ProgressTracker: throttling, final delivery, cancel by callback and from another thread."""

from __future__ import annotations

import threading

import pytest

from rfsync_core.errors import TransferCancelled
from rfsync_core.transfer.progress import CancelToken, Progress, ProgressTracker


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_deliveries_are_throttled_and_final_snapshot_always_arrives() -> None:
    clock = FakeClock()
    got: list[Progress] = []
    tr = ProgressTracker(got.append, interval=0.1, clock=clock)
    tr.add_total(files=3, nbytes=300)
    for _ in range(50):
        tr.add_bytes(1)  # same instant: only the first may deliver
    assert len(got) == 1
    clock.t += 0.2
    tr.add_bytes(10)
    assert len(got) == 2
    assert got[-1].bytes_done == 60
    tr.file_done("a")
    final = tr.finish()
    assert got[-1] is final
    assert final.finished and final.files_done == 1 and final.bytes_total == 300


def test_rate_and_eta_follow_bytes() -> None:
    clock = FakeClock()
    tr = ProgressTracker(None, clock=clock)
    tr.add_total(files=1, nbytes=1000)
    clock.t += 1.0
    tr.add_bytes(100)
    snap = tr.snapshot()
    assert snap.rate == pytest.approx(100.0)
    assert snap.eta == pytest.approx(9.0)
    assert snap.fraction == pytest.approx(0.1)


def test_callback_returning_false_cancels() -> None:
    clock = FakeClock()
    tr = ProgressTracker(lambda p: False, clock=clock)
    with pytest.raises(TransferCancelled):
        tr.add_bytes(1)
    assert tr.cancel_token.cancelled
    assert tr.snapshot().cancelled


def test_failures_are_delivered_immediately_and_listed() -> None:
    clock = FakeClock()
    got: list[Progress] = []
    tr = ProgressTracker(got.append, clock=clock)
    tr.start_file("/a")
    tr.add_bytes(1)
    tr.file_failed("/a", "gone")
    assert got[-1].errors == (("/a", "gone"),)
    assert got[-1].files_failed == 1 and got[-1].current == ()


def test_broken_callback_does_not_stop_the_transfer() -> None:
    def boom(_p: Progress) -> bool:
        raise RuntimeError("ui bug")

    tr = ProgressTracker(boom, clock=FakeClock())
    tr.add_bytes(5)
    assert not tr.cancel_token.cancelled


def test_cancel_token_runs_hooks_once_and_wakes_waiters() -> None:
    token = CancelToken()
    calls: list[int] = []
    token.on_cancel(lambda: calls.append(1))
    woke = threading.Event()

    def waiter() -> None:
        if token.wait(30):
            woke.set()

    t = threading.Thread(target=waiter)
    t.start()
    token.cancel()
    token.cancel()
    t.join(5)
    assert woke.is_set()
    assert calls == [1]
    late: list[int] = []
    token.on_cancel(lambda: late.append(1))
    assert late == [1]
    with pytest.raises(TransferCancelled):
        token.check()


def test_concurrent_updates_are_counted_exactly() -> None:
    tr = ProgressTracker(lambda p: None, interval=0.0)
    tr.add_total(files=8, nbytes=8 * 1000)

    def work(i: int) -> None:
        for _ in range(1000):
            tr.add_bytes(1)
        tr.file_done(f"f{i}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    snap = tr.finish()
    assert snap.bytes_done == 8000 and snap.files_done == 8
