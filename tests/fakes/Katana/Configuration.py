"""Fake ``Configuration.get(name)``: ``KATANA_UI_MODE`` is truthy only in the GUI (tk-katana)."""

from __future__ import annotations

from typing import Optional

from ._state import STATE


def get(name: str) -> Optional[str]:
    if name == "KATANA_UI_MODE":
        return "1" if STATE.ui else None
    return None
