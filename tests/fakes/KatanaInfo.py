"""Fake ``KatanaInfo``: ``version`` like ``"8.0v1"`` (major >= 8 means PySide6, else PyQt5 — hosts.md)."""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "version":
        from Katana._state import STATE

        return STATE.version
    raise AttributeError(name)
