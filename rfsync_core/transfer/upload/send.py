"""Storage calls of an upload run: bounded retries, and the byte hook (bandwidth, progress, cancel).

Bytes of a failed attempt are taken back from the progress, so the bar never counts a byte twice.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Tuple

from ...errors import BadDigestError
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
