"""The session's transfers: finished and failed ones are kept, and the Transfers window lists them.

Why: a background transfer that succeeded used to vanish without a word, and "Show transfers" then said
none were running. Every panel that ends leaves a :class:`TransferRecord` here (plain data: the panel
itself may be gone); the :class:`TransfersWindow` lists the running panels first, then what ended in
this session, newest first. A double click on a running (or still open) one brings its panel back.
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable, List, Optional

from Qt import QtCore, QtWidgets

from .states import RUNNING

MAX_KEPT = 200
"""Records kept per session (oldest dropped first)."""


@dataclass
class TransferRecord:
    """One transfer that ended: what the artist read in its panel's status line."""

    title: str
    state: str
    text: str
    errors: int = 0
    ended: float = field(default_factory=time.time)
    panel: Optional[Callable[[], Any]] = field(default=None, repr=False)
    """A weak reference to the panel while it exists."""


_SESSION: List[TransferRecord] = []


def remember(title: str, state: str, text: str, errors: int, panel: Any = None) -> TransferRecord:
    """Keep one ended transfer (called by the panel when it reaches its final state)."""
    record = TransferRecord(title, state, text, errors, panel=weakref.ref(panel) if panel is not None else None)
    _SESSION.append(record)
    del _SESSION[:-MAX_KEPT]
    window = _live_window()
    if window is not None and window.isVisible():
        window.refresh()
    return record


def _live_window() -> Optional[TransfersWindow]:
    """The Transfers window, unless its C++ object is gone (closed by its owner, or the host's window)."""
    if _WINDOW:
        try:
            _WINDOW[0].isVisible()
        except RuntimeError:
            _WINDOW.clear()
    return _WINDOW[0] if _WINDOW else None


def session_transfers() -> List[TransferRecord]:
    """Transfers that ended in this session, oldest first."""
    return list(_SESSION)


def forget_session() -> None:
    """Drop the kept records (tests; a host could offer "Clear")."""
    _SESSION.clear()


class TransfersWindow(QtWidgets.QWidget):
    """Running transfers and those that ended this session (Transfer | State | Result)."""

    def __init__(self, running: Callable[[], List[Any]], parent: Optional[QtWidgets.QWidget] = None) -> None:
        super().__init__(parent)
        self.setWindowFlags(QtCore.Qt.WindowType.Window)
        self.setWindowTitle("rfsync — Transfers")
        self.setObjectName("rfsyncTransfersWindow")
        self._running = running
        layout = QtWidgets.QVBoxLayout(self)
        self.tree = QtWidgets.QTreeWidget()
        self.tree.setHeaderLabels(["Transfer", "State", "Result"])
        self.tree.setRootIsDecorated(False)
        self.tree.setColumnWidth(0, 260)
        self.tree.setColumnWidth(1, 120)
        self.tree.itemDoubleClicked.connect(self._open)
        layout.addWidget(self.tree)
        self.resize(760, 320)
        self._panels: List[Any] = []

    def refresh(self) -> None:
        """Rebuild the list (a few rows: cheap)."""
        self.tree.clear()
        self._panels = []
        # a panel that reached its final state is listed as ended, even while its thread winds down
        running = [p for p in self._running() if p.is_running() and p.state == RUNNING]
        for panel in running:
            self._add([panel.title_label.text(), "running", panel.status_label.text()], panel)
        for record in reversed(_SESSION):
            when = time.strftime("%H:%M", time.localtime(record.ended))
            panel = record.panel() if record.panel is not None else None
            self._add([record.title, record.state, f"{when}  {record.text}"], panel)

    def _add(self, texts: List[str], panel: Any) -> None:
        item = QtWidgets.QTreeWidgetItem(texts)
        item.setToolTip(2, texts[2])
        item.setData(0, QtCore.Qt.ItemDataRole.UserRole, len(self._panels))
        self._panels.append(panel)
        self.tree.addTopLevelItem(item)

    def rows(self) -> List[List[str]]:
        items = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return [[it.text(c) for c in range(3)] for it in items if it is not None]

    def _open(self, item: QtWidgets.QTreeWidgetItem, _column: int = 0) -> None:
        panel = self._panels[int(item.data(0, QtCore.Qt.ItemDataRole.UserRole))]
        if panel is not None:
            try:
                panel.show_again()
            except RuntimeError:  # its C++ object is gone (closed and deleted)
                pass


_WINDOW: List[TransfersWindow] = []


def show_transfers_window(running: Callable[[], List[Any]],
                          parent: Optional[QtWidgets.QWidget] = None) -> TransfersWindow:
    """Show the one Transfers window (created on first use), refreshed and raised."""
    window = _live_window()
    if window is None:
        window = TransfersWindow(running, parent)
        _WINDOW.append(window)
    window.refresh()
    window.show()
    window.raise_()
    return window
