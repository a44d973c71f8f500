"""Fake ``UI4.Tabs.BaseTab``: tab classes subclass it (a QWidget)."""

from __future__ import annotations

from typing import Any, Optional

from Qt import QtWidgets


class BaseTab(QtWidgets.QWidget):
    def __init__(self, parent: Optional[Any] = None) -> None:
        super().__init__(parent)
