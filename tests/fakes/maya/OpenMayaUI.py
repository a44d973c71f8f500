"""Fake ``maya.OpenMayaUI``: ``MQtUtil.mainWindow()`` is a pointer a test may set, None in batch."""

from __future__ import annotations

from typing import Optional

from ._state import STATE


class MQtUtil:
    @staticmethod
    def mainWindow() -> Optional[int]:
        return None if STATE.batch else STATE.main_window_ptr
