"""The one retry policy of rfsync (tenacity): bounded, backed off, cancellable.

Only :class:`~rfsync_core.errors.StorageError` with ``retryable`` set is tried
again (connection errors, timeouts, 5xx, 429/SlowDown, BadDigest); anything
else — bad credentials, a missing object, a local file error, a cancel — is
raised at once. Retries stop after ``attempts`` tries or once the next wait
would pass ``max_delay`` seconds since the first try, whichever comes first.
The backoff sleeps in ``cancel.wait()`` so a cancel ends it immediately. When
retries give up, the last original error is raised (never tenacity's
``RetryError``) with the number of attempts added to its message.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable, Optional, TypeVar

import tenacity

from ..errors import StorageError, TransferCancelled
from .progress import CancelToken
from .watch import ServerGoneError, ServerWatch

log = logging.getLogger("rfsync.retry")

T = TypeVar("T")

#: First backoff (seconds, before jitter) and the cap of one backoff.
INITIAL_WAIT = 0.5
MAX_WAIT = 15.0


def is_retryable(exc: BaseException) -> bool:
    """True for errors worth another try (see the module doc)."""
    return isinstance(exc, StorageError) and bool(exc.retryable)


def _stop_before(max_delay: float) -> Any:
    # stop_before_delay (tenacity >= 8.3) also refuses a sleep that would overrun the budget.
    factory = getattr(tenacity, "stop_before_delay", None) or tenacity.stop_after_delay
    return factory(max_delay)


def _annotate(exc: BaseException, attempts: int, elapsed: float) -> None:
    """Add the attempt count to the error's message, keeping its type and attributes (the message
    already names the operation and the object: ``describe`` is for the log only)."""
    note = f" — gave up after {attempts} attempts in {elapsed:.1f} s"
    if isinstance(exc, StorageError):
        exc.message = f"{exc.message}{note}"
        exc.args = (exc.message, *exc.args[1:])
    elif exc.args and isinstance(exc.args[0], str):
        exc.args = (exc.args[0] + note, *exc.args[1:])


def _watched(fn: Callable[..., T], watch: ServerWatch) -> Callable[..., T]:
    """``fn`` reporting each attempt's outcome to ``watch``."""
    def call(*args: Any, **kwargs: Any) -> T:
        try:
            out = fn(*args, **kwargs)
        except ServerGoneError:
            raise
        except BaseException as exc:
            watch.failed(exc)
            raise
        watch.ok()
        return out
    return call


def retry_call(
    fn: Callable[..., T],
    *args: Any,
    cancel: Optional[CancelToken] = None,
    attempts: int = 6,
    max_delay: float = 60.0,
    describe: str = "",
    watch: Optional[ServerWatch] = None,
    **kwargs: Any,
) -> T:
    """Call ``fn(*args, **kwargs)``, retrying retryable storage errors with backoff and jitter.

    ``attempts`` bounds the tries (at least 1), ``max_delay`` the seconds spent
    retrying. Raises :class:`TransferCancelled` when ``cancel`` fires during a
    backoff, and the last original error when retries give up. ``watch`` (the run's
    :class:`~rfsync_core.transfer.watch.ServerWatch`) hears of every attempt; once it declares the
    server gone, a backoff ends with :class:`~rfsync_core.transfer.watch.ServerGoneError`.
    """
    attempts = max(1, int(attempts))
    start = time.monotonic()
    if cancel is not None:
        cancel.check()
    if watch is not None:
        watch.check()
        fn = _watched(fn, watch)
    # The success path costs one call: tenacity (the policy) is only built once a try has failed.
    try:
        return fn(*args, **kwargs)
    except BaseException as exc:
        if attempts == 1 or not is_retryable(exc):
            raise
        first: Optional[BaseException] = exc
    count = 1

    def sleep(seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return
            step = left if watch is None else min(left, 0.25)
            if cancel is None:
                time.sleep(step)
            elif cancel.wait(step):
                raise TransferCancelled(f"cancelled while waiting to retry{' ' + describe if describe else ''}")
            if watch is not None:
                watch.check()

    def before_sleep(state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        wait = state.next_action.sleep if state.next_action is not None else 0.0
        log.info("retrying %s in %.1fs after attempt %d: %s", describe or getattr(fn, "__name__", "call"),
                 wait, state.attempt_number, exc)

    def attempt() -> T:
        nonlocal count, first
        if first is not None:  # tenacity's attempt 1 is the failure that already happened
            failed, first = first, None
            raise failed
        if cancel is not None:
            cancel.check()
        count += 1
        return fn(*args, **kwargs)

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(attempts) | _stop_before(max(0.0, max_delay - (time.monotonic() - start))),
        wait=tenacity.wait_random_exponential(multiplier=INITIAL_WAIT, max=MAX_WAIT),
        retry=tenacity.retry_if_exception(is_retryable),
        sleep=sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
    try:
        return retrying(attempt)
    except BaseException as exc:
        if count > 1 and is_retryable(exc):
            _annotate(exc, count, time.monotonic() - start)
        raise
