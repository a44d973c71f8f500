"""Terminal side of a transfer, shared by the ``rfsync`` command and the hosts' batch modes.

Why here: the command line and the ``mayapy``/``hython``/``katana --script`` batch runs need the same
things, and each had grown its own copy:

* :func:`run_cancellable` runs the transfer in a worker thread while the calling (main) thread
  waits, so Ctrl-C reaches the main thread, cancels the transfer and waits for it to stop; the
  engine installs no signal handler of its own (it may run inside a host).
* :class:`ConsoleProgress` prints one plain line per interval (batch logs), built by
  :func:`format_progress`; the CLI's tqdm bars live in :mod:`rfsync_core.cli.bars`.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any, Callable, List, Optional, TextIO, Tuple, TypeVar

__all__ = ["EXIT_CANCELLED", "ConsoleProgress", "format_progress", "human_bytes", "human_duration",
           "run_cancellable"]

T = TypeVar("T")

EXIT_CANCELLED = 130
"""The exit code of a run stopped by Ctrl-C (after its transfer was cancelled cleanly)."""


def run_cancellable(work: Callable[[], T], cancel: Callable[[], None], *, name: str = "rfsync-work",
                    stream: Optional[TextIO] = None) -> Tuple[Optional[T], Optional[BaseException], bool]:
    """Run ``work`` in a thread; Ctrl-C calls ``cancel`` and keeps waiting until ``work`` returns.

    Returns ``(value, error, interrupted)``: ``error`` is what ``work`` raised (never lost in the
    thread), ``interrupted`` whether Ctrl-C was pressed. The engine's cancel is bounded (it shuts
    the sockets), so waiting for the worker after a cancel ends.
    """
    out = stream if stream is not None else sys.stderr
    value: List[T] = []
    error: List[BaseException] = []
    finished = threading.Event()

    def target() -> None:
        try:
            value.append(work())
        except BaseException as exc:  # handed to the main thread
            error.append(exc)
        finally:
            finished.set()

    # An Event, not Thread.join: a Ctrl-C inside join() can leave the thread looking finished.
    threading.Thread(target=target, name=name, daemon=True).start()
    interrupted = False
    while not finished.is_set():
        try:
            finished.wait(0.2)
        except KeyboardInterrupt:
            if not interrupted:
                print("\nrfsync: cancelling (waiting for transfers to stop)…", file=out)
            interrupted = True
            cancel()
    return (value[0] if value else None), (error[0] if error else None), interrupted


class ConsoleProgress:
    """A progress callback for batch mode: one line per ``interval`` seconds, and the final one."""

    def __init__(self, stream: Optional[TextIO] = None, interval: float = 1.0) -> None:
        self._stream = stream if stream is not None else sys.stdout
        self._interval = interval
        self._last = float("-inf")
        self._errors = 0
        self._lock = threading.Lock()

    def __call__(self, snap: Any) -> None:
        with self._lock:
            for path, reason in snap.errors[self._errors:]:
                print(f"rfsync: failed: {path}: {reason}", file=self._stream)
            self._errors = len(snap.errors)
            now = time.monotonic()
            if not snap.finished and now - self._last < self._interval:
                return
            self._last = now
            print(format_progress(snap), file=self._stream, flush=True)


def human_bytes(n: float) -> str:
    """``1536`` → ``"1.5 KiB"`` (binary units, as the byte counts are)."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover


def human_duration(seconds: Optional[float]) -> str:
    if seconds is None:
        return "--"
    s = int(seconds + 0.5)
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


def format_progress(snap: Any) -> str:
    """``[ 42%] 120/300 files (5 skipped, 1 failed) 1.2 GB/3.0 GB 45.0 MB/s ETA 40s``."""
    parts = [f"[{snap.fraction * 100:3.0f}%] {snap.files_done}/{snap.files_total} files"]
    extra = []
    if snap.files_skipped:
        extra.append(f"{snap.files_skipped} skipped")
    if snap.files_failed:
        extra.append(f"{snap.files_failed} failed")
    if extra:
        parts.append(f"({', '.join(extra)})")
    parts.append(f"{human_bytes(snap.bytes_done)}/{human_bytes(snap.bytes_total)}")
    if not snap.finished:
        parts.append(f"{human_bytes(snap.rate)}/s ETA {human_duration(snap.eta)}")
    if snap.message:
        parts.append(f"- {snap.message}")
    return " ".join(parts)
