"""Fake ``hdefereval``: like Houdini's, it imports only in a graphical session (``hou.isUIAvailable()``).

Deferred calls are queued on the fake ``hou``'s state until a test runs ``hou.STATE.run_deferred()``
(Houdini runs them when its event loop is idle).
"""

from __future__ import annotations

from typing import Any, Callable

import hou

if not hou.isUIAvailable():
    raise ImportError("hdefereval is only available in a graphical Houdini session")


def executeDeferred(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    hou.STATE.deferred.append(lambda: fn(*args, **kwargs))  # type: ignore[attr-defined]


def executeInMainThreadWithResult(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return fn(*args, **kwargs)
