"""Fake ``maya.standalone``: initialize switches the fake to batch mode; calls are logged."""

from __future__ import annotations

from ._state import STATE


def initialize(name: str = "python") -> None:
    STATE.batch = True
    STATE.initialized = True
    STATE.log(f"initialize {name}")


def uninitialize() -> None:
    if not STATE.initialized:
        raise RuntimeError("maya.standalone is not initialized")
    STATE.uninitialized = True
    STATE.log("uninitialize")
