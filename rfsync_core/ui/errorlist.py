"""The panel's error list: file name, folder and reason in their own columns, grouped by cause.

Why: the engine's reasons are one line that names the file (``"/long/studio/path/tex.exr: file not
found"``) — right for logs and the command line, but in a table the path pushed the reason out of sight
at any width. The engine's messages stay as they are; here the path prefix is stripped from the reason,
the path is split into name and folder (full path in the tooltip), and rows are grouped by what the
artist can do about them: missing, unreadable, changed while sending, other.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, List, Optional, Tuple

from Qt import QtCore, QtGui, QtWidgets

MISSING = "missing"
PERMISSION = "permission"
CHANGED = "changed"
OTHER = "other"
CAUSES = (MISSING, PERMISSION, CHANGED, OTHER)

_GROUP_TEXT = {
    MISSING: "{n} missing — moved or deleted after collect",
    PERMISSION: "{n} unreadable — permission denied",
    CHANGED: "{n} changed while sending",
    OTHER: "{n} other",
}


def short_reason(path: str, reason: str) -> str:
    """``reason`` without the leading path the engine puts in front of it (``"<path>: why"`` → ``"why"``)."""
    text = str(reason).strip()
    for prefix in {str(path), os.path.normpath(str(path))}:
        if prefix and text.startswith(prefix):
            rest = text[len(prefix):].lstrip()
            if rest.startswith(":"):
                rest = rest[1:].lstrip()
            return rest or text
    return text


def cause_of(reason: str) -> str:
    """Which group a reason belongs to (from the engine's wording, see ``transfer/upload.py``)."""
    low = reason.lower()
    if "permission denied" in low:
        return PERMISSION
    if "changed while" in low or "changed during" in low:
        return CHANGED
    if "not found" in low or "deleted" in low or "no such file" in low:
        return MISSING
    return OTHER


def split_path(path: str) -> Tuple[str, str]:
    """(file name, folder) of a local path or a storage key (``/`` or ``\\`` separated)."""
    text = str(path).rstrip("/\\")
    cut = max(text.rfind("/"), text.rfind("\\"))
    if cut < 0:
        return text, ""
    return text[cut + 1:], text[:cut] or text[:cut + 1]


class ErrorList(QtWidgets.QTreeWidget):
    """Groups (one per cause met so far) with rows File | Folder | Reason under them."""

    COLUMNS = ("File", "Folder", "Reason")

    def __init__(self, parent: Optional[QtWidgets.QWidget] = None) -> None:
        super().__init__(parent)
        self.open_url: Callable[[QtCore.QUrl], object] = QtGui.QDesktopServices.openUrl
        """How "Reveal in folder" opens a folder (a seam: tests record the URL instead of a file manager)."""
        self.setColumnCount(len(self.COLUMNS))
        self.setHeaderLabels(list(self.COLUMNS))
        self.setUniformRowHeights(True)
        self.setAlternatingRowColors(True)
        self.setTextElideMode(QtCore.Qt.TextElideMode.ElideMiddle)
        self.setColumnWidth(0, 200)
        self.setColumnWidth(1, 220)
        self._groups: Dict[str, QtWidgets.QTreeWidgetItem] = {}
        self.counts: Dict[str, int] = {}
        self.reveal_action = QtGui.QAction("Reveal in folder", self)
        self.reveal_action.triggered.connect(self.reveal_selected)
        self.copy_action = QtGui.QAction("Copy path", self)
        self.copy_action.triggered.connect(self.copy_selected)
        self.addActions([self.reveal_action, self.copy_action])
        self.setContextMenuPolicy(QtCore.Qt.ContextMenuPolicy.ActionsContextMenu)
        self.itemSelectionChanged.connect(self._selection_changed)
        self._selection_changed()

    def forget_rows(self) -> None:
        """Empty (a new run in the same panel)."""
        self.clear()
        self._groups.clear()
        self.counts.clear()
        self._selection_changed()

    def selected_path(self) -> str:
        """The full path of the selected error row ("" for a group title or nothing)."""
        items = self.selectedItems()
        value = items[0].data(0, QtCore.Qt.ItemDataRole.UserRole) if items else None
        return str(value) if value else ""

    def _selection_changed(self) -> None:
        path = self.selected_path()
        self.copy_action.setEnabled(bool(path))
        self.reveal_action.setEnabled(bool(path and reveal_folder(path)))

    def reveal_selected(self) -> None:
        """Open the folder of the selected file (the nearest folder that still exists) in the file manager."""
        folder = reveal_folder(self.selected_path())
        if folder:
            self.open_url(QtCore.QUrl.fromLocalFile(folder))

    def copy_selected(self) -> None:
        path = self.selected_path()
        if path:
            QtWidgets.QApplication.clipboard().setText(path)

    def add(self, rows: List[Tuple[str, str]]) -> None:
        """Append ``(path, engine reason)`` rows to their groups."""
        by_cause: Dict[str, List[QtWidgets.QTreeWidgetItem]] = {}
        for path, reason in rows:
            why = short_reason(path, reason)
            name, folder = split_path(path)
            item = QtWidgets.QTreeWidgetItem([name, folder, why])
            for col in (0, 1):
                item.setToolTip(col, str(path))
            item.setToolTip(2, why)
            item.setData(0, QtCore.Qt.ItemDataRole.UserRole, str(path))
            cause = cause_of(why)
            by_cause.setdefault(cause, []).append(item)
        for cause in CAUSES:
            items = by_cause.get(cause)
            if not items:
                continue
            group = self._group(cause)
            group.addChildren(items)
            self.counts[cause] = self.counts.get(cause, 0) + len(items)
            group.setText(0, _GROUP_TEXT[cause].format(n=self.counts[cause]))
            group.setExpanded(True)

    def _group(self, cause: str) -> QtWidgets.QTreeWidgetItem:
        group = self._groups.get(cause)
        if group is None:
            group = QtWidgets.QTreeWidgetItem([""])
            group.setFirstColumnSpanned(True)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            index = sum(1 for c in CAUSES[:CAUSES.index(cause)] if c in self._groups)
            self.insertTopLevelItem(index, group)
            group.setFirstColumnSpanned(True)
            self._groups[cause] = group
        return group

    def _top(self) -> List[QtWidgets.QTreeWidgetItem]:
        items = (self.topLevelItem(i) for i in range(self.topLevelItemCount()))
        return [item for item in items if item is not None]

    def group_titles(self) -> List[str]:
        return [group.text(0) for group in self._top()]

    def rows(self) -> List[Tuple[str, str, str]]:
        """Every row shown, as (file, folder, reason), group by group."""
        out: List[Tuple[str, str, str]] = []
        for group in self._top():
            children = (group.child(j) for j in range(group.childCount()))
            out.extend((c.text(0), c.text(1), c.text(2)) for c in children if c is not None)
        return out


def reveal_folder(path: str) -> str:
    """The local folder that holds ``path``, or its nearest existing parent; "" for a storage key."""
    if not path or not os.path.isabs(path):
        return ""
    folder = os.path.dirname(os.path.normpath(path))
    for _ in range(64):  # bounded: a path has far fewer levels
        parent = os.path.dirname(folder)
        if parent == folder:  # never the file system's root: nothing of the file's is there
            return ""
        if os.path.isdir(folder):
            return folder
        folder = parent
    return ""


def copy_text(errors: List[Tuple[str, str]]) -> str:
    """What "Copy errors" puts on the clipboard: one ``path<TAB>reason`` line each, the path once."""
    return "\n".join(f"{path}\t{short_reason(path, reason)}" for path, reason in errors)


def action_button(action: Any) -> QtWidgets.QPushButton:
    """A push button that runs ``action`` and follows its enabled state."""
    button = QtWidgets.QPushButton(action.text())
    button.clicked.connect(action.trigger)
    button.setEnabled(action.isEnabled())
    action.changed.connect(lambda: button.setEnabled(action.isEnabled()))
    return button
