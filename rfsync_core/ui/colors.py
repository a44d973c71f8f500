"""State colours the artist can read on any palette: light themes, and Maya's or Houdini's dark grey.

Why: fixed colours (blue, green, orange, red, grey) reached only 2.0–2.8:1 contrast on Maya's #444
background. Each state keeps its hue, and its lightness is moved (toward black on a light palette, toward
white on a dark one) until the text reaches WCAG's 4.5:1 against the background it is drawn on.
"""

from __future__ import annotations

from typing import Tuple

from Qt import QtGui, QtWidgets

MIN_CONTRAST = 4.5
"""WCAG 2 AA for normal text."""

HUES = {"running": "#3b82f6", "done": "#16a34a", "done with errors": "#d97706", "cancelled": "#6b7280",
        "failed": "#dc2626"}


def luminance(color: QtGui.QColor) -> float:
    """WCAG relative luminance of an sRGB colour."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def contrast(a: QtGui.QColor, b: QtGui.QColor) -> float:
    """WCAG contrast ratio, 1..21."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable(color: QtGui.QColor, background: QtGui.QColor, target: float = MIN_CONTRAST + 0.2) -> QtGui.QColor:
    """``color``'s hue, lighter or darker until it reads on ``background`` (≥ ``target``:1)."""
    if contrast(color, background) >= target:
        return QtGui.QColor(color)
    lighten = luminance(background) < 0.18
    h, s, lum, _ = color.getHslF()
    h = max(h, 0.0)  # -1 for greys
    step = 0.02 if lighten else -0.02
    out = QtGui.QColor(color)
    while 0.0 <= lum <= 1.0:
        lum += step
        out = QtGui.QColor.fromHslF(h, s, min(1.0, max(0.0, lum)))
        if contrast(out, background) >= target:
            return out
    return QtGui.QColor("#ffffff" if lighten else "#000000")


def state_colors(state: str, palette: QtGui.QPalette) -> Tuple[QtGui.QColor, QtGui.QColor, QtGui.QColor, QtGui.QColor]:
    """(status text, bar chunk, bar text, bar groove) for ``state`` on ``palette``, every pair ≥ 4.5:1."""
    role = QtGui.QPalette.ColorRole
    hue = QtGui.QColor(HUES.get(state, HUES["running"]))
    text = readable(hue, palette.color(role.Window))
    groove = palette.color(role.Base)
    bar_text = palette.color(role.Text)
    if contrast(bar_text, groove) < MIN_CONTRAST + 0.2:
        bar_text = QtGui.QColor("#000000" if luminance(groove) > 0.18 else "#ffffff")
    # the chunk sits under the same label: its hue, far enough from the label's colour
    chunk = readable(hue, bar_text)
    return text, chunk, bar_text, groove


def apply_state_colors(state: str, palette: QtGui.QPalette, label: QtWidgets.QLabel,
                       bar: QtWidgets.QProgressBar) -> None:
    """Colour a panel's status line and bar for ``state`` (:func:`state_colors`)."""
    text, chunk, bar_text, groove = state_colors(state, palette)
    # a palette, not a style sheet: a widget with a style sheet stops inheriting the panel's palette
    pal = QtGui.QPalette()
    pal.setColor(QtGui.QPalette.ColorRole.WindowText, text)
    label.setPalette(pal)
    bar.setStyleSheet(
        f"QProgressBar {{ color: {bar_text.name()}; background-color: {groove.name()}; "
        f"border: 1px solid {bar_text.name()}; border-radius: 2px; text-align: center; }}"
        f"QProgressBar::chunk {{ background-color: {chunk.name()}; }}")
