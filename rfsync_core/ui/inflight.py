"""The panel's in-flight block: a fixed number of rows, names elided in the middle, big files with a percentage.

Why: long studio paths cut at the end all looked alike (``/mnt/proj/show/seq/sh0400/tex/…``); the end of
a path — the file's name — is what tells them apart, so names are elided in the middle and the full path
is in the tooltip. A large file (a 50 MB cache) shows its own percentage from the engine's per-file
bytes (``Progress.current_bytes``). The block keeps one height, so the error list below never jumps.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

from Qt import QtCore, QtGui, QtWidgets

MAX_SHOWN = 6
"""Rows of names; one more row says how many others are in flight."""
LARGE_FILE = 8 * 1024 * 1024
"""Files of at least this size show their own percentage."""


def file_percent(done: int, size: int) -> str:
    """``"42%"`` of one file (never above 100)."""
    return f"{min(100, done * 100 // size)}%" if size > 0 else ""


class ElidedLabel(QtWidgets.QLabel):
    """One line of text elided in the middle to the label's width; the full text in the tooltip."""

    def __init__(self, parent: Optional[QtWidgets.QWidget] = None) -> None:
        super().__init__(parent)
        self.full_text = ""
        self.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)

    def set_full_text(self, text: str, tooltip: str = "") -> None:
        if text == self.full_text and tooltip == self.toolTip():
            return
        self.full_text = text
        self.setToolTip(tooltip)
        self._elide()

    def _elide(self) -> None:
        metrics = QtGui.QFontMetrics(self.font())
        shown = metrics.elidedText(self.full_text, QtCore.Qt.TextElideMode.ElideMiddle, max(10, self.width()))
        if shown != self.text():
            self.setText(shown)

    def resizeEvent(self, event: QtGui.QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()


class InFlightBlock(QtWidgets.QWidget):
    """``MAX_SHOWN`` rows of ``name … percentage`` and an "… and N more" line, at a fixed height."""

    def __init__(self, parent: Optional[QtWidgets.QWidget] = None) -> None:
        super().__init__(parent)
        grid = QtWidgets.QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(0)
        self.names: List[ElidedLabel] = []
        self.percents: List[QtWidgets.QLabel] = []
        for row in range(MAX_SHOWN):
            name, pct = ElidedLabel(), QtWidgets.QLabel("")
            pct.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
            pct.setMinimumWidth(self.fontMetrics().horizontalAdvance("100%") + 8)
            grid.addWidget(name, row, 0)
            grid.addWidget(pct, row, 1)
            self.names.append(name)
            self.percents.append(pct)
        self.more = QtWidgets.QLabel("")
        grid.addWidget(self.more, MAX_SHOWN, 0, 1, 2)
        grid.setColumnStretch(0, 1)
        line = self.fontMetrics().lineSpacing()
        for row in range(MAX_SHOWN + 1):
            grid.setRowMinimumHeight(row, line)
        self.setFixedHeight(line * (MAX_SHOWN + 1) + 4)
        self.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)

    def show_files(self, current: Tuple[str, ...], current_bytes: Tuple[Tuple[str, int, int], ...] = ()) -> None:
        """Show the files in flight of one snapshot (``Progress.current`` / ``current_bytes``)."""
        sizes: Dict[str, Tuple[int, int]] = {name: (done, size) for name, done, size in current_bytes}
        shown = list(current)[:MAX_SHOWN]
        for row in range(MAX_SHOWN):
            name = shown[row] if row < len(shown) else ""
            self.names[row].set_full_text(name, name)
            done, size = sizes.get(name, (0, 0))
            text = file_percent(done, size) if size >= LARGE_FILE else ""
            if self.percents[row].text() != text:
                self.percents[row].setText(text)
        more = len(current) - len(shown)
        self.more.setText(f"… and {more} more" if more > 0 else "")

    def rows(self) -> List[Tuple[str, str, str]]:
        """(shown text, tooltip, percentage) of each non-empty row (tests, screenshots)."""
        return [(n.text(), n.toolTip(), p.text()) for n, p in zip(self.names, self.percents) if n.full_text]


def in_flight_of(snap: Any) -> Tuple[Tuple[str, ...], Tuple[Tuple[str, int, int], ...]]:
    """(current, current_bytes) of a snapshot (a replayed one may lack ``current_bytes``)."""
    return tuple(snap.current), tuple(getattr(snap, "current_bytes", ()))
