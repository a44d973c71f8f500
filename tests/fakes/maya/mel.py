"""Fake ``maya.mel``: ``eval`` knows the globals the plugin reads."""

from __future__ import annotations

import re
from typing import Any

from ._state import MAIN_PROGRESS_BAR, MAIN_WINDOW, SHELF_TOP, STATE

_GLOBAL = re.compile(r"^\s*\$\w+\s*=\s*\$(?P<name>g\w+)\s*;?\s*$")


def eval(command: str) -> Any:
    STATE.require_initialized()
    m = _GLOBAL.match(command)
    if m and m.group("name") == "gMainWindow":
        return MAIN_WINDOW if not STATE.batch else ""
    if m and m.group("name") == "gMainProgressBar":
        return MAIN_PROGRESS_BAR if not STATE.batch else ""
    if m and m.group("name") == "gShelfTopLevel":
        return SHELF_TOP if not STATE.batch else ""
    raise RuntimeError(f"fake mel cannot evaluate: {command}")
