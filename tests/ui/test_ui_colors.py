"""State colours reach WCAG 4.5:1 on a light and on a Maya-like dark (#444) palette.

Measured on the pixels the widgets really paint (``QWidget.grab()``): the background colour of the
status line and of the progress bar, and the strongest text pixel drawn on it. The contrast formula is
written here again (WCAG 2 relative luminance), not taken from the module under test.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

from collections import Counter
from typing import Any, Dict, Tuple

import pytest

pytest.importorskip("Qt")
from Qt import QtGui

from rfsync_core.errors import RfsyncError
from rfsync_core.transfer.upload import UploadResult
from rfsync_core.ui import CANCELLED, DONE, DONE_WITH_ERRORS, FAILED, RUNNING, TransferPanel

RGB = Tuple[int, int, int]
PALETTES: Dict[str, Dict[str, str]] = {
    "light": {"Window": "#efefef", "WindowText": "#000000", "Base": "#ffffff", "Text": "#000000"},
    "maya-dark": {"Window": "#444444", "WindowText": "#c8c8c8", "Base": "#2b2b2b", "Text": "#c8c8c8"},
}


def wcag(a: RGB, b: RGB) -> float:
    def lum(c: RGB) -> float:
        def ch(v: int) -> float:
            s = v / 255.0
            return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4
        return 0.2126 * ch(c[0]) + 0.7152 * ch(c[1]) + 0.0722 * ch(c[2])

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def measured(widget: Any) -> float:
    """Contrast between the most common pixel (the background) and the strongest other pixel (text)."""
    image = widget.grab().toImage()
    pixels = [QtGui.QColor(image.pixel(x, y)).getRgb()[:3] for y in range(2, image.height() - 2)
              for x in range(2, image.width() - 2)]
    background = Counter(pixels).most_common(1)[0][0]
    return max(wcag(background, p) for p in set(pixels))


def make_palette(name: str) -> QtGui.QPalette:
    pal = QtGui.QPalette()
    for role, color in PALETTES[name].items():
        pal.setColor(getattr(QtGui.QPalette.ColorRole, role), QtGui.QColor(color))
    return pal


def finish(panel: TransferPanel, state: str) -> None:
    if state == DONE:
        panel.show_result(UploadResult(uploaded=["a"], duration=1.0))
    elif state == DONE_WITH_ERRORS:
        panel.show_result(UploadResult(uploaded=["a"], failed=[("/p/b.exr", "/p/b.exr: file not found")]))
    elif state == CANCELLED:
        panel.show_result(UploadResult(cancelled=True))
    elif state == FAILED:
        panel.show_error(RfsyncError("platform 'nowhere' is unknown"))


@pytest.mark.parametrize("theme", list(PALETTES))
@pytest.mark.parametrize("state", [RUNNING, DONE, DONE_WITH_ERRORS, CANCELLED, FAILED])
def test_state_colours_are_readable(qtbot: Any, theme: str, state: str) -> None:
    panel = TransferPanel("Colours")
    qtbot.addWidget(panel)
    panel.setPalette(make_palette(theme))
    panel.resize(700, 400)
    panel.show()
    finish(panel, state)
    panel.status_label.setText("Failed: Done with errors (2 failed) WWWW")
    panel.progress_bar.setFormat("50%  (12.0 MiB of 24.0 MiB) WWWW")
    assert measured(panel.status_label) >= 4.5
    for value in (1000, 0):  # the label over the chunk, then over the empty groove
        panel.progress_bar.setValue(value)
        assert measured(panel.progress_bar) >= 4.5, (theme, state, value)
