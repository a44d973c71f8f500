"""Fake ``UI4.App.MainWindow.GetMainWindow()``: None until the window exists (always None in script mode).

Tests set ``STATE.main_window`` to a real ``QMainWindow`` that has ``getMenuBar()`` (see
:func:`make_main_window`), so the plugin's menu lands in a real Qt menu bar.
"""

from __future__ import annotations

from typing import Any, Optional

from Katana._state import STATE


def GetMainWindow() -> Optional[Any]:
    return STATE.main_window if STATE.ui else None


def make_main_window() -> Any:
    """A real QMainWindow standing in for Katana's main window (Qt through Qt.py)."""
    from Qt import QtWidgets

    class KatanaWindow(QtWidgets.QMainWindow):
        def getMenuBar(self) -> Any:
            return self.menuBar()

    win = KatanaWindow()
    win.setObjectName("KatanaWindow")
    for title in MAIN_MENUS:
        win.menuBar().addMenu(title)
    return win


MAIN_MENUS = ("File", "Edit", "Render", "Layout", "Tabs", "Help")
"""Katana's main menu bar ends with Help, as most applications' do (the exact list is unconfirmed)."""
