"""Fake ``maya.api.OpenMaya``: MGlobal.mayaState and a minimal MFnPlugin."""

from __future__ import annotations

import threading
from typing import Any, ClassVar, Dict

from .._state import STATE


class MGlobal:
    kInteractive = 0
    kBatch = 1
    kLibraryApp = 2
    kBaseUIMode = 3

    @staticmethod
    def mayaState() -> int:
        return MGlobal.kBatch if STATE.batch else MGlobal.kInteractive

    @staticmethod
    def displayInfo(message: str) -> None:
        """Maya API docs ``MGlobal.displayInfo``: a line in the command line's result field and the Script Editor."""
        STATE.infos.append((message, threading.current_thread().name))


class MFnPlugin:
    commands: ClassVar[Dict[str, Any]] = {}

    def __init__(self, obj: Any = None, vendor: str = "", version: str = "", apiVersion: str = "Any") -> None:
        self.obj = obj

    def registerCommand(self, name: str, creator: Any) -> None:
        if name in MFnPlugin.commands:
            raise RuntimeError(f"command {name} already registered")
        MFnPlugin.commands[name] = creator

    def deregisterCommand(self, name: str) -> None:
        MFnPlugin.commands.pop(name)
