"""Katana's own status line shows the running transfer: the main window's status bar (UI4).

``UI4.App.MainWindow.GetMainWindow()`` is Katana's main window (None until it exists); that it is a
``QMainWindow`` whose ``statusBar()`` Katana shows is unconfirmed — without one, nothing is written.
Main thread only: the shared :class:`rfsync_core.ui.hoststatus.StatusFollower` calls :func:`write`.
"""

from __future__ import annotations

from typing import Optional


def write(text: str, fraction: Optional[float]) -> None:
    """``text`` in the main window's status bar; ``""`` clears it."""
    import UI4  # top level: the Katana package gets UI4 only once the GUI runs (types-katana)

    window = UI4.App.MainWindow.GetMainWindow()
    bar = window.statusBar() if window is not None and hasattr(window, "statusBar") else None
    if bar is None:
        return
    if text:
        bar.showMessage(text)
    else:
        bar.clearMessage()
