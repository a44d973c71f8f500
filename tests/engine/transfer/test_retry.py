"""The retry policy: bounded, only for retryable storage errors, cancellable during backoff."""

from __future__ import annotations

import threading
import time
from typing import List

import pytest

from rfsync_core.errors import (
    AccessDeniedError,
    BadDigestError,
    LocalPathError,
    NotFoundError,
    ServerError,
    StorageConnectionError,
    StorageError,
    ThrottledError,
    TransferCancelled,
)
from rfsync_core.transfer import retry as retry_mod
from rfsync_core.transfer.progress import CancelToken
from rfsync_core.transfer.retry import is_retryable, retry_call


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short waits keep the suite quick; the policy (bounds, filters) is what is tested."""
    monkeypatch.setattr(retry_mod, "INITIAL_WAIT", 0.01)
    monkeypatch.setattr(retry_mod, "MAX_WAIT", 0.05)


class Flaky:
    """Fails ``failures`` times with ``error`` then returns ``value``; counts the calls."""

    def __init__(self, failures: int, error: Exception, value: str = "done") -> None:
        self.failures = failures
        self.error = error
        self.value = value
        self.calls = 0
        self.args: List[tuple] = []

    def __call__(self, *args: object, **kwargs: object) -> str:
        self.calls += 1
        self.args.append((args, kwargs))
        if self.calls <= self.failures:
            raise self.error
        return self.value


@pytest.mark.parametrize(
    "error",
    [
        StorageConnectionError("reset", code="ConnectionError"),
        ServerError("boom", code="InternalError", status=500),
        ThrottledError("slow down", code="SlowDown", status=503),
        BadDigestError("digest", code="BadDigest", status=400),
    ],
)
def test_retryable_errors_are_retried_until_success(error: StorageError) -> None:
    fn = Flaky(3, error)
    assert retry_call(fn, "a", 2, cancel=CancelToken(), attempts=6, key="k") == "done"
    assert fn.calls == 4
    assert fn.args[-1] == (("a", 2), {"key": "k"})


@pytest.mark.parametrize(
    "error",
    [
        AccessDeniedError("denied", code="AccessDenied", status=403),
        NotFoundError("missing", code="NoSuchKey", status=404),
        StorageError("bad request", code="InvalidArgument", status=400),
        LocalPathError("cannot open /x"),
        ValueError("not a storage error"),
    ],
)
def test_non_retryable_errors_fail_after_one_attempt(error: Exception) -> None:
    fn = Flaky(5, error)
    with pytest.raises(type(error)) as info:
        retry_call(fn, attempts=6)
    assert fn.calls == 1
    assert info.value is error
    assert "gave up" not in str(info.value)


def test_gives_up_after_the_attempt_bound_with_the_original_error() -> None:
    error = ServerError("upload x failed: InternalError (HTTP 500)", code="InternalError", status=500, key="x")
    fn = Flaky(100, error)
    with pytest.raises(ServerError) as info:
        retry_call(fn, attempts=4, describe="upload x")
    assert fn.calls == 4
    err = info.value
    assert err is error  # the original error, not tenacity's RetryError
    assert "gave up after 4 attempts" in str(err)
    assert "upload x failed: InternalError" in str(err)
    assert err.code == "InternalError" and err.status == 500 and err.key == "x"


def test_gives_up_when_the_time_budget_is_spent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry_mod, "INITIAL_WAIT", 0.2)
    monkeypatch.setattr(retry_mod, "MAX_WAIT", 0.2)
    fn = Flaky(1000, StorageConnectionError("down", code="ConnectionError"))
    start = time.monotonic()
    with pytest.raises(StorageConnectionError):
        retry_call(fn, attempts=1000, max_delay=0.5)
    assert time.monotonic() - start < 5  # bounded by max_delay, not by the 1000 attempts
    assert 1 < fn.calls < 1000


def test_cancel_during_backoff_stops_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry_mod, "INITIAL_WAIT", 30.0)
    monkeypatch.setattr(retry_mod, "MAX_WAIT", 30.0)
    monkeypatch.setattr(retry_mod.tenacity, "wait_random_exponential", lambda **_: retry_mod.tenacity.wait_fixed(30))
    cancel = CancelToken()
    fn = Flaky(1000, ThrottledError("slow down", code="SlowDown", status=503))
    timer = threading.Timer(0.3, cancel.cancel)
    timer.start()
    start = time.monotonic()
    try:
        with pytest.raises(TransferCancelled):
            retry_call(fn, cancel=cancel, attempts=5, max_delay=600)
    finally:
        timer.cancel()
    assert time.monotonic() - start < 3  # the 30 s backoff was cut short
    assert fn.calls == 1


def test_already_cancelled_token_makes_no_call() -> None:
    cancel = CancelToken()
    cancel.cancel()
    fn = Flaky(0, ServerError("x"))
    with pytest.raises(TransferCancelled):
        retry_call(fn, cancel=cancel)
    assert fn.calls == 0


def test_transfer_cancelled_from_the_call_is_not_retried() -> None:
    fn = Flaky(5, TransferCancelled("cancelled"))
    with pytest.raises(TransferCancelled):
        retry_call(fn, attempts=6)
    assert fn.calls == 1


def test_is_retryable_follows_the_error_flag() -> None:
    assert is_retryable(StorageConnectionError("x"))
    assert is_retryable(ThrottledError("x"))
    assert not is_retryable(AccessDeniedError("x"))
    assert not is_retryable(RuntimeError("x"))
