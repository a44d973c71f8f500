"""docs/img/make_screenshots.py renders every state from the real widget, light and dark."""

from __future__ import annotations

import importlib.util
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before any Qt import

from pathlib import Path
from typing import Any

import pytest
from testpaths import REPO

pytest.importorskip("Qt")
from Qt import QtGui

STATES = ("running", "errors", "done", "cancelled", "failed")


def mean_lightness(path: Path) -> float:
    image = QtGui.QImage(str(path))
    step = 7
    values = [QtGui.QColor(image.pixel(x, y)).lightnessF()
              for x in range(0, image.width(), step) for y in range(0, image.height(), step)]
    return sum(values) / len(values)


def test_every_state_is_drawn_on_both_palettes(qtbot: Any, tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_screenshots", REPO / "docs" / "img" / "make_screenshots.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    written = module.main(tmp_path)
    names = sorted(p.name for p in written)
    assert names == sorted([f"panel-{s}.png" for s in STATES] + [f"panel-{s}-dark.png" for s in STATES])
    for state in STATES:
        light, dark = tmp_path / f"panel-{state}.png", tmp_path / f"panel-{state}-dark.png"
        assert QtGui.QImage(str(light)).width() >= 600
        assert mean_lightness(dark) < 0.4 < mean_lightness(light)  # the dark palette really applied
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert all(f"docs/img/{name}" in readme for name in names)  # the README shows each of them
