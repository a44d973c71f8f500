"""Fake top-level ``NodegraphAPI`` (also ``Katana.NodegraphAPI``); facts listed in ``Katana/_state.py``."""

from __future__ import annotations

import os
from typing import List, Optional

from Katana._state import STATE, Node


def GetAllNodes() -> List[Node]:
    return list(STATE.nodes.values())


def GetAllNodesByType(nodeType: str) -> List[Node]:
    return [n for n in STATE.nodes.values() if n.getType() == nodeType]


def GetNode(name: str) -> Optional[Node]:
    return STATE.nodes.get(name)


def GetRootNode() -> Node:
    return STATE.nodes["rootNode"]


def GetProjectFile() -> str:
    return STATE.project_file


def GetProjectDir() -> str:
    return os.path.dirname(STATE.project_file) if STATE.project_file else ""


def GetKatanaSceneName() -> str:
    return str(STATE.root_value("katanaSceneName") or "")


def GetInTime() -> float:
    return float(STATE.root_value("inTime"))


def GetOutTime() -> float:
    return float(STATE.root_value("outTime"))


def GetWorkingInTime() -> float:
    return float(STATE.root_value("workingInTime"))


def GetWorkingOutTime() -> float:
    return float(STATE.root_value("workingOutTime"))


def GetCurrentTime() -> float:
    return float(STATE.root_value("currentTime"))
