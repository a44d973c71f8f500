"""Fake ``Callbacks``: ``addCallback(Callbacks.Type.X, fn)``; Katana calls ``fn(**kwargs)`` (incl. objectHash)."""

from __future__ import annotations

from typing import Any, Callable

from ._state import STATE


class Type:
    onStartup = "onStartup"
    onStartupComplete = "onStartupComplete"
    onSceneLoad = "onSceneLoad"
    onNewScene = "onNewScene"
    onSceneSave = "onSceneSave"


def addCallback(callbackType: str, callbackFcn: Callable[..., Any]) -> None:
    if not isinstance(callbackType, str) or not hasattr(Type, callbackType):
        raise ValueError(f"unknown callback type {callbackType!r}")
    STATE.callbacks.setdefault(callbackType, []).append(callbackFcn)
