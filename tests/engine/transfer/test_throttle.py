"""The shared bandwidth cap."""

from __future__ import annotations

import threading
import time

import pytest

from rfsync_core.errors import ConfigError, TransferCancelled
from rfsync_core.transfer.progress import CancelToken
from rfsync_core.transfer.throttle import TokenBucket, kb_per_s_to_bytes


def test_kb_per_s_conversion() -> None:
    assert kb_per_s_to_bytes(None) is None
    assert kb_per_s_to_bytes(0) is None
    assert kb_per_s_to_bytes("0") is None
    assert kb_per_s_to_bytes(100) == 102400
    assert kb_per_s_to_bytes("1048576") == 1048576 * 1024
    assert kb_per_s_to_bytes(0.5) == 512
    for bad in (-1, "fast", [], True, float("nan")):
        with pytest.raises(ConfigError, match="max_speed"):
            kb_per_s_to_bytes(bad)  # type: ignore[arg-type]


def test_unlimited_never_waits() -> None:
    bucket = TokenBucket(None)
    start = time.monotonic()
    for _ in range(10000):
        bucket.consume(1 << 20)
    assert time.monotonic() - start < 1.0
    assert bucket.unlimited


def test_fake_clock_accounting() -> None:
    now = [0.0]
    slept = []
    bucket = TokenBucket(1000.0, burst=100.0, clock=lambda: now[0])
    # consume the burst for free, then everything costs 1 ms per byte
    bucket.consume(100)
    assert not slept
    token = CancelToken()
    waits = []
    token.wait = lambda s: (waits.append(s), False)[1]  # type: ignore[method-assign]
    bucket.consume(500, token)
    assert waits == [pytest.approx(0.5)]
    now[0] = 0.5
    bucket.consume(250, token)
    assert waits[-1] == pytest.approx(0.25)


def test_shared_cap_across_threads() -> None:
    rate = 2 * 1024 * 1024  # 2 MiB/s
    bucket = TokenBucket(rate)
    chunk = 64 * 1024
    total = [0]
    lock = threading.Lock()
    stop = time.monotonic() + 1.5

    def worker() -> None:
        while time.monotonic() < stop:
            bucket.consume(chunk)
            with lock:
                total[0] += chunk

    start = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - start
    achieved = total[0] / elapsed
    # generous bounds (exact numbers belong in bench/): 8 threads must not multiply the cap
    assert 0.6 * rate < achieved < 1.3 * rate


def test_cancel_interrupts_a_long_wait() -> None:
    bucket = TokenBucket(1024.0, burst=1.0)
    token = CancelToken()
    threading.Timer(0.3, token.cancel).start()
    start = time.monotonic()
    with pytest.raises(TransferCancelled):
        bucket.consume(1024 * 1024, token)  # would take ~17 minutes
    assert time.monotonic() - start < 3.0


def test_bad_rate() -> None:
    with pytest.raises(ConfigError):
        TokenBucket(0)
    assert TokenBucket.from_kb(None).unlimited
    assert TokenBucket.from_kb(10).rate == 10240
