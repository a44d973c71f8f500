"""Maya's own status line shows the running transfer: the main progress bar (``$gMainProgressBar``).

The main progress bar is the one Maya shows in its help line; Maya's ``progressBar`` command docs use
it through ``maya.mel.eval("$tmp = $gMainProgressBar")`` with ``beginProgress`` / ``endProgress``.
Not interruptable (Esc belongs to the artist's own work, the panel has Cancel). Main thread only: the
shared :class:`rfsync_core.ui.hoststatus.StatusFollower` calls :func:`write` from the panel's slots.
"""

from __future__ import annotations

from typing import List, Optional

from maya import cmds, mel
from maya.api import OpenMaya as om

STEPS = 1000
_BEGUN: List[str] = []
"""The progress bar begun by us (so only our own ``endProgress`` ends it)."""


def write(text: str, fraction: Optional[float]) -> None:
    """Show ``text`` and ``fraction`` (0..1) in Maya's main progress bar; ``""`` ends it; a ``text`` without
    a fraction (a transfer that ended in the background) ends it and says ``text`` on the command line."""
    if not text or fraction is None:
        if _BEGUN:
            cmds.progressBar(_BEGUN.pop(), edit=True, endProgress=True)
        if text:
            om.MGlobal.displayInfo(text)  # Maya API docs: the command line's result field, the Script Editor
        return
    value = int(max(0.0, min(1.0, fraction or 0.0)) * STEPS)
    if not _BEGUN:
        bar = mel.eval("$tmp = $gMainProgressBar")
        cmds.progressBar(bar, edit=True, beginProgress=True, isInterruptable=False, status=text, maxValue=STEPS)
        _BEGUN.append(bar)
    cmds.progressBar(_BEGUN[0], edit=True, status=text, progress=value)
