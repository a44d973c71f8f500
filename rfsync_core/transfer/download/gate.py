"""How many small-file downloads run at once: as many as help, found from the CPU the process uses.

Why: Python threads share one interpreter lock. On a slow or distant server the
workers mostly wait on the network, and more of them means more files per
second. On a fast, near server (a LAN, loopback) the process is CPU-bound: extra
threads only fight over the lock (measured on 2 cores: 8 threads were ~35%
slower than 2). The gate lets at most ``limit`` workers start a file; every
``adjust()`` call (about 5 per second, from the thread that waits for the
batch) compares the process's CPU time with the wall time since the last call:
above :data:`BUSY` cores the limit halves (down to ``minimum``), below
:data:`IDLE` it grows by one (up to ``maximum``).
"""

from __future__ import annotations

import os
import threading
import time
from typing import Callable

BUSY = 0.8
"""CPU cores in use (user + system, all threads) above which the process counts as CPU-bound."""
IDLE = 0.5
"""Below this the workers are waiting on the network: allow one more."""


def _cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


class ConcurrencyGate:
    """At most ``limit`` holders at once; ``limit`` moves between ``minimum`` and ``maximum``."""

    def __init__(self, maximum: int, start: int = 4, minimum: int = 2, *,
                 clock: Callable[[], float] = time.monotonic,
                 cpu_seconds: Callable[[], float] = _cpu_seconds) -> None:
        self._clock = clock
        self._cpu_seconds = cpu_seconds
        self.maximum = max(1, maximum)
        self.minimum = max(1, min(minimum, self.maximum))
        self.limit = max(self.minimum, min(start, self.maximum))
        self._active = 0
        self._cond = threading.Condition()
        self._last = (clock(), cpu_seconds())

    def enter(self, stop: threading.Event) -> bool:
        """Wait for a free slot; False (without a slot) once ``stop`` is set."""
        with self._cond:
            while self._active >= self.limit:
                if stop.is_set():
                    return False
                self._cond.wait(0.2)
            self._active += 1
            return True

    def leave(self) -> None:
        with self._cond:
            self._active -= 1
            self._cond.notify()

    def adjust(self) -> float:
        """Re-tune the limit from the CPU used since the last call; returns the cores used."""
        now, cpu = self._clock(), self._cpu_seconds()
        wall = now - self._last[0]
        if wall <= 0:
            return 0.0
        cores = (cpu - self._last[1]) / wall
        self._last = (now, cpu)
        with self._cond:
            if cores > BUSY:
                self.limit = max(self.minimum, self.limit // 2)
            elif cores < IDLE and self.limit < self.maximum:
                self.limit += 1
                self._cond.notify()
        return cores
