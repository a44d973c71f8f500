"""One bandwidth cap shared by every thread of a transfer.

The seed's ``max_speed`` was applied per process, so a pool of uploads multiplied
it. Here a single :class:`TokenBucket` is handed to every worker (and to every
manifest of a ``multi_thread_upload``): each chunk reserves its bytes before it
is sent and the thread sleeps until the reservation is covered, so the sum over
all threads stays at the cap whatever the thread count.

Reservations may drive the balance negative ("debt"); each thread then sleeps
exactly as long as its own bytes need, which keeps the achieved rate accurate
without a busy loop. The burst (what may be sent at once after an idle spell)
is small, so the rate does not overshoot at the start.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Any, Callable, Optional, Union

from ..errors import ConfigError, TransferCancelled
from .progress import CancelToken

KB = 1024
SEED_DEFAULT_MAX_SPEED_KB = 1048576
"""The seed's default ``max_speed`` (KB/s), i.e. 1 GiB/s."""


def kb_per_s_to_bytes(max_speed: Union[int, float, str, None]) -> Optional[float]:
    """The seed's ``max_speed`` (KB/s, 1 KB = 1024 bytes; may be a string) in bytes/s; None/0 → unlimited."""
    if max_speed is None:
        return None
    if isinstance(max_speed, bool):
        raise ConfigError(f"max_speed must be a number of KB/s, got {max_speed!r}")
    try:
        value = float(max_speed)
    except (TypeError, ValueError):
        raise ConfigError(f"max_speed must be a number of KB/s, got {max_speed!r}") from None
    if math.isnan(value) or value < 0:
        raise ConfigError(f"max_speed must be a positive number of KB/s, got {max_speed!r}")
    if value == 0 or math.isinf(value):
        return None
    return value * KB


class TokenBucket:
    """A thread-safe, cancel-aware token bucket; ``rate_bytes_per_s=None`` means unlimited."""

    def __init__(
        self,
        rate_bytes_per_s: Optional[float],
        *,
        burst: Optional[float] = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate_bytes_per_s is not None and not rate_bytes_per_s > 0:
            raise ConfigError(f"bandwidth cap must be positive, got {rate_bytes_per_s!r} bytes/s")
        self.rate = rate_bytes_per_s
        # 50 ms worth of bytes (at least 16 KiB): enough to keep the pipes busy, small enough not to overshoot.
        self.burst = burst if burst is not None else max(16 * KB, (rate_bytes_per_s or 0) * 0.05)
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = self.burst
        self._last = clock()

    @classmethod
    def from_kb(cls, max_speed: Union[int, float, str, None]) -> TokenBucket:
        """A bucket for the seed's ``max_speed`` in KB/s."""
        return cls(kb_per_s_to_bytes(max_speed))

    @property
    def unlimited(self) -> bool:
        return self.rate is None

    def consume(self, n: int, cancel: Optional[CancelToken] = None) -> None:
        """Take ``n`` bytes' worth of tokens, sleeping as needed; raises TransferCancelled on cancel."""
        if cancel is not None:
            cancel.check()
        rate = self.rate
        if rate is None or n <= 0:
            return
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * rate)
            self._last = now
            self._tokens -= n
            wait = -self._tokens / rate if self._tokens < 0 else 0.0
        if wait <= 0:
            return
        if cancel is not None:
            if cancel.wait(wait):
                raise TransferCancelled("transfer cancelled")
        else:
            time.sleep(wait)


class SharedTokenBucket(TokenBucket):
    """The same bucket, its balance in shared memory under a process lock: one cap for a parent and
    its worker processes (handed to each worker when it is spawned, as a ``Process`` argument).

    Why not the parent granting tokens over a pipe: a round trip per chunk would cost more CPU than
    the small files it paces. ``time.monotonic`` is one system-wide clock (CLOCK_MONOTONIC, or
    QueryPerformanceCounter on Windows), so every process reads the same ``_last``.
    """

    def __init__(self, rate_bytes_per_s: Optional[float], ctx: Any, *, burst: Optional[float] = None) -> None:
        self._shared = ctx.RawArray("d", 2)  # [tokens, last]
        super().__init__(rate_bytes_per_s, burst=burst)
        self._lock = ctx.Lock()

    @property  # type: ignore[override]
    def _tokens(self) -> float:
        return float(self._shared[0])

    @_tokens.setter
    def _tokens(self, value: float) -> None:
        self._shared[0] = value

    @property  # type: ignore[override]
    def _last(self) -> float:
        return float(self._shared[1])

    @_last.setter
    def _last(self, value: float) -> None:
        self._shared[1] = value
