"""The ``rfsync_submit`` ROP's Python module: its ``PythonModule`` section is the one line
``from rfsync_houdini.rop import callback``, and every button calls ``hou.phm().callback(kwargs)``.

The callback only dispatches on the pressed parameter's name; the work is deferred
(``hdefereval``) so the parameter callback returns at once, and runs through
:func:`rfsync_houdini.actions.guarded` so an error is a message, never a traceback in Houdini.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Dict


def _upload(node: Any) -> Any:
    from . import actions

    return actions.upload_from_rop(node)


def _submit(node: Any) -> Any:
    from . import actions

    return actions.submit_rop(node)


CALLBACKS: Dict[str, Callable[[Any], Any]] = {"upload": _upload, "submit": _submit}
"""Button parameter name → action; the DialogScript's callback buttons must be keys here."""


def run_later(fn: Callable[[], Any]) -> None:
    """Run ``fn`` once Houdini is idle (UI), so a parameter callback returns at once; now in hython.

    ``hdefereval`` only imports when Houdini has a UI, so the UI is checked first.
    """
    import hou

    if not hou.isUIAvailable():
        fn()
        return
    try:
        import hdefereval
    except ImportError:
        fn()
        return
    hdefereval.executeDeferred(fn)


def callback(kwargs: Dict[str, Any]) -> None:
    """Dispatch a button press: ``kwargs["parm"]`` is the pressed parameter, ``kwargs["node"]`` the ROP."""
    from . import actions

    parm = kwargs.get("parm")
    node = kwargs.get("node") or (parm.node() if parm is not None else None)
    name = parm.name() if parm is not None else ""
    handler = CALLBACKS.get(name)
    if handler is None or node is None:
        print(f"rfsync: no action for parameter {name!r}", file=sys.stderr)
        return
    run_later(lambda: actions.guarded(handler, node))
