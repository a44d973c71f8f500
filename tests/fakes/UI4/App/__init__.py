from __future__ import annotations

from . import MainWindow, Tabs

__all__ = ["MainWindow", "Tabs"]
