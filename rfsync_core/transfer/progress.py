"""Progress snapshots, throttled delivery, and cancel.

The engine's threads report into one :class:`ProgressTracker`. It hands plain,
immutable :class:`Progress` snapshots to the caller's callback at most every
``interval`` seconds and once more at the end, from whichever thread made the
change. The callback may return ``False`` to cancel. The UI turns snapshots into
queued Qt signals; the CLI draws bars; neither can block the transfer for long
because delivery is throttled.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

from ..errors import TransferCancelled

ProgressCallback = Callable[["Progress"], Optional[bool]]


class CancelToken:
    """Cancel from any thread; workers poll :meth:`check` between chunks."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self._hooks: list[Callable[[], None]] = []
        self._lock = threading.Lock()

    def cancel(self) -> None:
        """Ask every worker to stop and run the registered interrupt hooks once."""
        with self._lock:
            if self._event.is_set():
                return
            self._event.set()
            hooks = list(self._hooks)
        for hook in hooks:
            try:
                hook()
            except Exception:  # an interrupt hook must never stop the others
                pass

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def check(self) -> None:
        """Raise :class:`TransferCancelled` when cancel was asked."""
        if self._event.is_set():
            raise TransferCancelled("transfer cancelled")

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; return True early when cancelled (for polls and backoff)."""
        return self._event.wait(seconds)

    def on_cancel(self, hook: Callable[[], None]) -> None:
        """Run ``hook`` when cancelled (at once if already cancelled): aborts in-flight requests."""
        with self._lock:
            if not self._event.is_set():
                self._hooks.append(hook)
                return
        hook()


@dataclass(frozen=True)
class Progress:
    """One immutable snapshot of a transfer."""

    files_total: int = 0
    files_done: int = 0
    """Files finished successfully (transferred or skipped)."""
    files_skipped: int = 0
    files_failed: int = 0
    bytes_total: int = 0
    bytes_done: int = 0
    current: Tuple[str, ...] = ()
    """Files in flight."""
    current_bytes: Tuple[Tuple[str, int, int], ...] = ()
    """``(name, bytes done, size)`` of the files in flight whose size was given to ``start_file``."""
    rate: float = 0.0
    """Bytes per second, smoothed over the last few seconds."""
    eta: Optional[float] = None
    """Seconds left, or None when unknown."""
    errors: Tuple[Tuple[str, str], ...] = ()
    """``(path, reason)`` for each failed file so far."""
    elapsed: float = 0.0
    finished: bool = False
    cancelled: bool = False
    message: str = ""
    """A short log line (e.g. 'waiting for task 123: 4/10 frames done')."""

    @property
    def fraction(self) -> float:
        """0..1 by bytes (by files when there are no bytes to move)."""
        if self.bytes_total > 0:
            return min(1.0, self.bytes_done / self.bytes_total)
        if self.files_total > 0:
            return min(1.0, (self.files_done + self.files_failed) / self.files_total)
        return 1.0 if self.finished else 0.0


@dataclass
class _State:
    files_total: int = 0
    files_done: int = 0
    files_skipped: int = 0
    files_failed: int = 0
    bytes_total: int = 0
    bytes_done: int = 0
    current: Dict[str, int] = field(default_factory=dict)
    file_bytes: Dict[str, List[int]] = field(default_factory=dict)
    errors: list = field(default_factory=list)
    message: str = ""


class ProgressTracker:
    """Thread-safe counters plus throttled delivery of :class:`Progress` snapshots.

    ``callback`` returning ``False`` cancels ``cancel``. ``interval`` is the
    minimum time between two deliveries (0.1 s: at most 10 per second).
    """

    def __init__(
        self,
        callback: Optional[ProgressCallback] = None,
        cancel: Optional[CancelToken] = None,
        interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._callback = callback
        self.cancel_token = cancel or CancelToken()
        self._interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._deliver_lock = threading.Lock()
        self._s = _State()
        self._start = clock()
        self._last_emit = float("-inf")
        self._samples: list[Tuple[float, int]] = [(self._start, 0)]
        self._finished = False

    # -- counters --------------------------------------------------------
    def add_total(self, files: int = 0, nbytes: int = 0) -> None:
        with self._lock:
            self._s.files_total += files
            self._s.bytes_total += nbytes
        self._maybe_emit()

    def start_file(self, name: str, size: int = 0) -> None:
        """A file is in flight; with its ``size``, bytes counted under its name give it a percentage."""
        with self._lock:
            self._s.current[name] = self._s.current.get(name, 0) + 1
            if size > 0:
                self._s.file_bytes.setdefault(name, [0, size])
        self._maybe_emit()

    def _drop_current(self, name: str) -> None:
        n = self._s.current.get(name, 0) - 1
        if n > 0:
            self._s.current[name] = n
        else:
            self._s.current.pop(name, None)
            self._s.file_bytes.pop(name, None)

    def add_bytes(self, n: int, name: str = "") -> None:
        """Count bytes moved (of file ``name``, if given); also the place where cancel is noticed mid-file."""
        with self._lock:
            self._s.bytes_done += n
            self._file_bytes(name, n)
        self._maybe_emit()
        self.cancel_token.check()

    def remove_bytes(self, n: int, name: str = "") -> None:
        """Take back bytes of an attempt that will be retried, so totals stay true."""
        with self._lock:
            self._s.bytes_done -= n
            self._file_bytes(name, -n)

    def _file_bytes(self, name: str, n: int) -> None:
        counted = self._s.file_bytes.get(name) if name else None
        if counted is not None:
            counted[0] = max(0, counted[0] + n)

    def file_done(self, name: str, skipped: bool = False, nbytes: int = 0) -> None:
        """A file finished. ``nbytes`` adds bytes not counted via :meth:`add_bytes` (skips)."""
        with self._lock:
            self._drop_current(name)
            self._s.files_done += 1
            if skipped:
                self._s.files_skipped += 1
            self._s.bytes_done += nbytes
        self._maybe_emit()

    def files_skipped(self, count: int, nbytes: int) -> None:
        """Many files finished at once without a transfer (a warm rerun): one update, not one per file."""
        with self._lock:
            self._s.files_done += count
            self._s.files_skipped += count
            self._s.bytes_done += nbytes
        self._maybe_emit()

    def file_failed(self, name: str, reason: str) -> None:
        with self._lock:
            self._drop_current(name)
            self._s.files_failed += 1
            self._s.errors.append((name, reason))
        self._maybe_emit(force=True)

    def set_message(self, message: str) -> None:
        with self._lock:
            self._s.message = message
        self._maybe_emit()

    # -- snapshots ---------------------------------------------------------
    def snapshot(self) -> Progress:
        now = self._clock()
        with self._lock:
            s = self._s
            self._samples.append((now, s.bytes_done))
            cutoff = now - 5.0
            while len(self._samples) > 2 and self._samples[0][0] < cutoff:
                self._samples.pop(0)
            t0, b0 = self._samples[0]
            rate = (s.bytes_done - b0) / (now - t0) if now - t0 > 0.05 else 0.0
            left = s.bytes_total - s.bytes_done
            eta = left / rate if rate > 0 and left >= 0 else None
            return Progress(
                files_total=s.files_total,
                files_done=s.files_done,
                files_skipped=s.files_skipped,
                files_failed=s.files_failed,
                bytes_total=s.bytes_total,
                bytes_done=s.bytes_done,
                current=tuple(s.current),
                current_bytes=tuple((k, min(v[0], v[1]), v[1]) for k, v in s.file_bytes.items()),
                rate=max(rate, 0.0),
                eta=eta,
                errors=tuple(s.errors),
                elapsed=now - self._start,
                finished=self._finished,
                cancelled=self.cancel_token.cancelled,
                message=s.message,
            )

    def _maybe_emit(self, force: bool = False) -> None:
        if self._callback is None:
            return
        now = self._clock()
        if not force and now - self._last_emit < self._interval:
            return
        # One delivery at a time; others skip rather than queue (the next change re-emits).
        if not self._deliver_lock.acquire(blocking=force):
            return
        try:
            if not force and now - self._last_emit < self._interval:
                return
            self._last_emit = now
            self._deliver(self.snapshot())
        finally:
            self._deliver_lock.release()

    def _deliver(self, snap: Progress) -> None:
        assert self._callback is not None
        try:
            keep_going = self._callback(snap)
        except Exception:  # a broken UI callback must not kill the transfer
            keep_going = None
        if keep_going is False:
            self.cancel_token.cancel()

    def finish(self) -> Progress:
        """Mark the end and deliver the final snapshot (always, unthrottled)."""
        self._finished = True
        snap = self.snapshot()
        if self._callback is not None:
            with self._deliver_lock:
                self._last_emit = self._clock()
                self._deliver(snap)
        return snap
