"""Fake ``maya.utils``: deferred calls are queued until a test runs ``STATE.run_deferred()``."""

from __future__ import annotations

from typing import Any, Callable, Union

from ._state import STATE


def executeDeferred(fn: Union[str, Callable[..., Any]], *args: Any, **kwargs: Any) -> None:
    if isinstance(fn, str):
        source = fn
        STATE.deferred.append(lambda: exec(source, {"__name__": "__main__"}))
    else:
        STATE.deferred.append(lambda: fn(*args, **kwargs))


def executeInMainThreadWithResult(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    if STATE.batch:
        raise RuntimeError("executeInMainThreadWithResult cannot be used in batch mode")
    return fn(*args, **kwargs)
