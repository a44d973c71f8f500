"""Fake ``UI4.App.Tabs.FindTopTab(name)``: an open tab instance, or None."""

from __future__ import annotations

from typing import Any, Dict, Optional

OPEN_TABS: Dict[str, Any] = {}


def FindTopTab(name: str) -> Optional[Any]:
    return OPEN_TABS.get(name)
