"""Fake ``KatanaFile``: ``Load(path)`` / ``Save(path)`` / ``New()`` on the fake JSON project format."""

from __future__ import annotations

import os

from ._state import STATE


def Load(path: str, isCrashFile: bool = False) -> None:
    STATE.load(os.path.abspath(path))


def Save(path: str) -> None:
    STATE.save(os.path.abspath(path))


def New() -> None:
    STATE.new_scene()


def IsFileDirty() -> bool:
    """Not in hosts.md (unconfirmed in real Katana): the plugin uses it only when present."""
    return STATE.dirty
