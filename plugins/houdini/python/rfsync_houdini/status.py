"""Houdini's own status line shows the running transfer: ``hou.ui.setStatusMessage`` (UI only).

Houdini docs, ``hou.ui.setStatusMessage(message, severity=hou.severityType.Message)``; an empty message
clears the line. Main thread only: the shared :class:`rfsync_core.ui.hoststatus.StatusFollower` calls
:func:`write` from the panel's slots.
"""

from __future__ import annotations

from typing import Optional

import hou


def write(text: str, fraction: Optional[float]) -> None:
    """``text`` (it already says the percentage) in Houdini's status bar; ``""`` clears it."""
    hou.ui.setStatusMessage(text, severity=hou.severityType.Message)
