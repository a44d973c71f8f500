"""Storage calls of an upload run: bounded retries, and the byte hook (bandwidth, progress, cancel).

Bytes of a failed attempt are taken back from the progress, so the bar never counts a byte twice.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Optional, Tuple

from ...errors import BadDigestError, ChangedDuringTransferError, LocalPathError
from ...storage.base import ObjectInfo, Storage
from ..progress import CancelToken, ProgressTracker
from ..retry import retry_call
from ..throttle import TokenBucket
from ..watch import ServerWatch
from .state import FileState, same_as_planned


class Sender:
    """Shared by the scheduler's jobs and the multipart jobs; thread-safe (the limiter and tracker are)."""

    def __init__(self, limiter: TokenBucket, tracker: ProgressTracker, cancel: CancelToken, *,
                 attempts: int, max_delay: float, watch: Optional[ServerWatch] = None) -> None:
        self.limiter = limiter
        self.tracker = tracker
        self.cancel = cancel
        self.attempts = attempts
        self.max_delay = max_delay
        self.watch = watch

    def retry(self, fn: Callable[..., Any], *args: Any, describe: str, **kwargs: Any) -> Any:
        return retry_call(
            fn, *args, cancel=self.cancel, attempts=self.attempts, max_delay=self.max_delay,
            describe=describe, watch=self.watch, **kwargs,
        )

    def send(self, f: FileState, fn: Callable[..., Any], *args: Any, check: Callable[[Any], None],
             **kwargs: Any) -> Tuple[Any, int]:
        """One storage call that moves bytes: bandwidth + progress hook, bytes taken back on failure."""
        sent = [0]

        def hook(n: int) -> None:
            self.limiter.consume(n, self.cancel)
            sent[0] += n
            self.tracker.add_bytes(n, f.local)

        def attempt() -> Any:
            sent[0] = 0
            try:
                same_as_planned(f)
                out = fn(*args, hook=hook, **kwargs)
                check(out)
                return out
            except BaseException as err:
                if sent[0]:
                    self.tracker.remove_bytes(sent[0], f.local)
                    sent[0] = 0
                if isinstance(err, BadDigestError):
                    same_as_planned(f)  # a changed file explains a bad digest: don't retry blindly
                raise

        out = self.retry(attempt, describe=f"upload {f.local}")
        return out, sent[0]

    def put_small(self, storage: Storage, f: FileState) -> Tuple[ObjectInfo, int]:
        """One small file as a single verified PUT; a file that changed under it is sent once more."""
        for attempt in range(2):
            if attempt:
                try:
                    st = os.stat(f.local)
                except FileNotFoundError:
                    raise LocalPathError(f"{f.local}: file was deleted during upload") from None
                f.size, f.mtime_ns = st.st_size, st.st_mtime_ns
            try:
                info, sent = self.send(f, storage.put_file, f.key, f.local, check=lambda _o: None)
                same_as_planned(f)
                return info, sent
            except ChangedDuringTransferError:
                if attempt:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover


class PutInWorker:
    """A worker process's small-file PUTs (built there by :mod:`rfsync_core.transfer.procs`): its own
    storage (connection pool), the run's shared cap, retries and server watch as in the parent."""

    def __init__(self, limiter: TokenBucket, cancel: CancelToken, client: Any, attempts: int, max_delay: float,
                 dead_window: Optional[float]) -> None:
        self.cancel = cancel
        self.storage = client.new_storage()
        cancel.on_cancel(self.storage.interrupt)
        platform = client.platform
        watch = ServerWatch(platform.endpoint or platform.name, dead_window)
        self.sender = Sender(limiter, ProgressTracker(None, cancel), cancel, attempts=attempts,
                             max_delay=max_delay, watch=watch)

    def run(self, payload: Tuple[str, str, int, int]) -> Tuple[str, ObjectInfo, int, int, int]:
        """``(local, key, size, mtime_ns)`` → ``("done", info, bytes sent, size, mtime_ns)`` as sent."""
        self.cancel.check()
        f = FileState(*payload)
        info, sent = self.sender.put_small(self.storage, f)
        return ("done", info, sent, f.size, f.mtime_ns)

    def close(self) -> None:
        self.storage.close()
