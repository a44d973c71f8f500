"""The host's own status line shows the running transfer: throttled, on the main thread only.

Why: with the panel closed (a background transfer) the artist had no sign it was running. Each host
has a line of its own — Maya's main progress bar, Houdini's status bar, Katana's main window status
bar — written by a plugin's small ``status.py`` (a :data:`StatusWriter`). :class:`StatusFollower`
feeds it from a panel's snapshots, which already arrive on the GUI thread (queued signals), at most
twice a second, and clears it when the transfer ends — or, when it ended in the background (its
panel closed), leaves the result there: the host's notification that it ended (``write(text, None)``).
:meth:`StatusFollower.notify` says something about the transfer's task the same way (the Farm jobs window:
a frame failed, the task ended) and keeps it beside the progress that follows.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Optional

from Qt import QtCore

from ..app.console import human_bytes

StatusWriter = Callable[[str, Optional[float]], None]
"""``write(text, fraction)``: show ``text`` (fraction 0..1, or None when unknown); ``""`` clears the line."""

INTERVAL_S = 0.5
"""At most two writes a second: a host's status line redraws synchronously on some hosts."""


def status_text(title: str, snap: Any) -> str:
    """``"rfsync: Upload sh0400.ma — 42% (120 of 3,003 files, 1.2 GiB of 2.9 GiB)"``."""
    text = f"rfsync: {title} — {snap.fraction * 100:.0f}%"
    if snap.files_total:
        text += f" ({snap.files_done:,} of {snap.files_total:,} files"
        text += f", {human_bytes(snap.bytes_done)} of {human_bytes(snap.bytes_total)})" if snap.bytes_total else ")"
    return text


class StatusFollower(QtCore.QObject):
    """Writes one panel's progress to the host's status line (parented to the panel: it goes with it)."""

    def __init__(self, panel: Any, write: StatusWriter, title: str,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(panel)
        self._write = write
        self._title = title
        self._clock = clock
        self._last = float("-inf")
        self.writes = 0
        self._panel = panel
        self._background = ""
        self._note = ""
        panel.snapshot.connect(self.on_progress)
        panel.ended_in_background.connect(self.on_ended_in_background)
        panel.finished.connect(self.on_finished)

    @QtCore.Slot(object)
    def on_progress(self, snap: Any) -> None:
        now = self._clock()
        if now - self._last < INTERVAL_S:
            return
        self._last = now
        text = status_text(self._title, snap)
        self._safe(f"{text} · {self._note}" if self._note else text, snap.fraction)

    def notify(self, text: str) -> None:
        """Tell the artist ``text`` now (the host's notification), and keep it beside the progress lines."""
        self._note = text
        self._last = self._clock()  # shown for a whole interval before the next progress line
        self._safe(f"rfsync: {text}", None)

    @QtCore.Slot(str)
    def on_ended_in_background(self, state: str) -> None:
        self._background = state

    @QtCore.Slot(str)
    def on_finished(self, state: str) -> None:
        self._last = float("-inf")
        if self._background:  # nobody watched it end: say so in the host's own line
            self._background = ""
            self._safe(f"rfsync: {self._title} — {self._panel.status_label.text()}", None)
        else:
            self._safe("", None)

    def _safe(self, text: str, fraction: Optional[float]) -> None:
        self.writes += 1
        write_status(self._write, text, fraction)


def write_status(write: StatusWriter, text: str, fraction: Optional[float] = None) -> None:
    """``write(text, fraction)``, a failure only warned about: a host's status line never breaks a transfer."""
    try:
        write(text, fraction)
    except Exception as err:
        print(f"rfsync: warning: cannot write the host's status line: {err}")
