"""Is the server still there? One watch per run, fed by every storage attempt of every file.

Why: each file retries on its own (bounded), so a server that answers 503 to everything, or no
longer answers at all, used to cost ``files × retries`` — 45 minutes for 2,000 files. When every
attempt for :data:`DEAD_SERVER_WINDOW` seconds failed with a connection error or a 5xx (and none
succeeded), the run stops: queued files are not tried, backoffs end, one line says why.
"""

from __future__ import annotations

import threading
import time
from typing import Optional

from ..errors import ServerError, StorageConnectionError, StorageError

__all__ = ["DEAD_SERVER_WINDOW", "ServerGoneError", "ServerWatch", "is_server_down"]

#: Seconds of nothing but connection errors / 5xx after which a run gives up on the server.
DEAD_SERVER_WINDOW = 60.0


class ServerGoneError(StorageConnectionError):
    """The run stopped: the server has not answered for the watch's window."""

    retryable = False


def is_server_down(exc: BaseException) -> bool:
    """A failure that says nothing answered (connection, timeout) or the server is broken (5xx)."""
    if isinstance(exc, ServerGoneError):
        return False
    if isinstance(exc, (StorageConnectionError, ServerError)):
        return True
    status = exc.status if isinstance(exc, StorageError) else None
    return status is not None and status >= 500


class ServerWatch:
    """Thread-safe: workers report attempts, the scheduler asks :meth:`gone` and backoffs :meth:`wait`."""

    def __init__(self, where: str, window: Optional[float] = None) -> None:
        self.where = where
        self.window = DEAD_SERVER_WINDOW if window is None else float(window)
        self._lock = threading.Lock()
        self._failing_since: Optional[float] = None
        """When the first server-down failure after the last answer came (None while answering)."""
        self._last_error: Optional[BaseException] = None
        self._gone = threading.Event()

    def ok(self) -> None:
        """The server answered (a success, or a definite 4xx answer)."""
        with self._lock:
            self._failing_since = None
            self._last_error = None

    def failed(self, exc: BaseException) -> None:
        """An attempt failed; only server-down failures count against the server."""
        if not is_server_down(exc):
            if isinstance(exc, StorageError) and exc.status is not None:
                self.ok()  # a 4xx is an answer
            return
        with self._lock:
            self._last_error = exc
            if self._failing_since is None:
                # counted from the first failure, not the last answer: a long quiet upload of one big
                # part followed by one 503 is not a server that has been gone for the window
                self._failing_since = time.monotonic()
        self.gone()

    def gone(self) -> bool:
        """True once every attempt for the window failed (then stays True)."""
        if self._gone.is_set():
            return True
        with self._lock:
            since = self._failing_since
            down = since is not None and time.monotonic() - since >= self.window
        if down:
            self._gone.set()
        return down

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``; True early when the server is declared gone."""
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return self.gone()
            if self._gone.wait(min(left, 0.25)) or self.gone():
                return True

    def check(self) -> None:
        """Raise :class:`ServerGoneError` once the server is declared gone."""
        if self.gone():
            raise ServerGoneError(self.reason())

    def reason(self) -> str:
        """``the server at … has not answered for 60 s: <last error>``."""
        with self._lock:
            last = self._last_error
        text = " ".join(str(last).split()) if last is not None else "no answer"
        return f"the server at {self.where} has not answered for {self.window:g} s: {text}"

    def message(self, not_sent: int) -> str:
        """The one line a run ends with."""
        return f"{self.reason()}; {not_sent} files not sent, run again to resume"
