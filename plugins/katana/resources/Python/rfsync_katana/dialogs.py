"""A message box over Katana's window (Qt through Qt.py).

``UI4.Widgets.MessageBox`` exists in Katana but its call signature is not in our sources,
so a plain ``QMessageBox`` with our own button labels is used instead.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence

_ICONS = {"info": "Information", "warning": "Warning", "error": "Critical", "question": "Question"}


def ask(parent: Optional[Any], title: str, text: str, level: str, buttons: Sequence[str]) -> str:
    """Show ``text`` modally; return the label of the button pressed (the last one on Escape)."""
    from Qt import QtWidgets

    labels = list(buttons) or ["OK"]
    box = QtWidgets.QMessageBox(parent)
    box.setObjectName("rfsyncMessageBox")
    box.setWindowTitle(title)
    box.setText(text)
    box.setIcon(getattr(QtWidgets.QMessageBox.Icon, _ICONS.get(level, "Information")))
    made = []
    for i, label in enumerate(labels):
        role = QtWidgets.QMessageBox.ButtonRole.AcceptRole if i == 0 else \
            QtWidgets.QMessageBox.ButtonRole.RejectRole
        made.append(box.addButton(label, role))
    box.setDefaultButton(made[0])
    box.setEscapeButton(made[-1])
    run = getattr(box, "exec", None) or box.exec_  # exec_ is deprecated in PySide6, absent in PyQt6
    run()
    clicked = box.clickedButton()
    for label, button in zip(labels, made):
        if clicked is button:
            return label
    return labels[-1]
