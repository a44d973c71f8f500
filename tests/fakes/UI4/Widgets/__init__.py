"""Fake ``UI4.Widgets``: only ``MessageBox`` exists (checklist). Its real API is unconfirmed, so the
plugin does not call it (it shows a Qt ``QMessageBox`` through Qt.py instead)."""

from __future__ import annotations

from Qt import QtWidgets


class MessageBox(QtWidgets.QMessageBox):
    pass
