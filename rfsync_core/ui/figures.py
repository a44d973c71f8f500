"""What the panel's first figures say: no misleading ETA or rate, the phase and the destination.

Why: an ETA of 2 minutes for a 10 s job, "0 B/s" and "Running…" with no phase nor destination misled
artists. The rate is "measuring…" until bytes move, the ETA "estimating…" until the rate has had a few
seconds to settle; the title line names the phase, the destination and the files.
"""

from __future__ import annotations

from typing import Any, Optional

from Qt import QtWidgets

from ..app.console import human_bytes, human_duration

SETTLE_S = 3.0
"""Seconds of transfer before an ETA is shown (the engine's rate is smoothed over ~5 s)."""


def rate_text(snap: Any) -> str:
    return f"{human_bytes(snap.rate)}/s" if snap.rate > 0 else "measuring…"


def eta_text(snap: Any) -> str:
    """``"12s elapsed, ETA 40s"``, or ``"…, estimating…"`` until the rate settled."""
    elapsed = f"{human_duration(snap.elapsed)} elapsed"
    if snap.eta is None or snap.rate <= 0 or snap.elapsed < SETTLE_S:
        return f"{elapsed}, estimating…"
    return f"{elapsed}, ETA {human_duration(snap.eta)}"


PHASE_WORDS = {"collecting": "Collecting", "checking": "Checking", "uploading": "Uploading",
               "submitting": "Submitting", "downloading": "Downloading"}
"""The job's phases (``app.jobs.PHASES``) as the title line says them."""
PHASE_STATUS = {"collecting": "Collecting the scene's files…", "checking": "Checking what is already there…",
                "uploading": "Uploading…", "submitting": "Submitting the task's configs (task.json last)…",
                "downloading": "Downloading…"}
"""The status line while no engine message says more."""


def title_text(title: str, destination: str, snap: Optional[Any], noun: str, phase: str = "") -> str:
    """``"Upload sh0400.ma → studio-s3 · Uploading · 3,000 of 3,003 files"`` (the phase while running)."""
    text = title + (f" → {destination}" if destination else "")
    if phase:
        text += f" · {PHASE_WORDS.get(phase, phase.capitalize())}"
    if snap is not None and snap.files_total:
        text += f" · {snap.files_done:,} of {snap.files_total:,} {noun}"
    return text


def centre_on(window: QtWidgets.QWidget, parent: Optional[QtWidgets.QWidget]) -> None:
    """Put ``window`` in the middle of ``parent``'s window (or of its screen), inside the screen."""
    host = parent.window() if parent is not None else None
    frame = window.frameGeometry()
    if host is not None and host.isVisible():
        frame.moveCenter(host.frameGeometry().center())
    screen = window.screen() if hasattr(window, "screen") else None
    if screen is None:
        app = QtWidgets.QApplication.instance()
        screen = app.primaryScreen() if app is not None else None  # type: ignore[attr-defined]
    if screen is not None:
        area = screen.availableGeometry()
        if host is None or not host.isVisible():
            frame.moveCenter(area.center())
        frame.moveLeft(max(area.left(), min(frame.left(), area.right() - frame.width())))
        frame.moveTop(max(area.top(), min(frame.top(), area.bottom() - frame.height())))
    window.move(frame.topLeft())
