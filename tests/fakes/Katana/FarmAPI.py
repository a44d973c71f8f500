"""Fake ``FarmAPI`` (Katana docs; the dependency-list dict keys are 3rd-party facts)."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Sequence

from ._state import STATE

NODES_ALL = 0
NODES_SELECTED = 1
NODES_SINGLE = 2


def GetKatanaFileName() -> str:
    return STATE.project_file


def AddFarmMenuOption(menuText: str, handle: Callable[..., Any]) -> None:
    STATE.farm_menu.append((menuText, handle))


def AddFarmPopupMenuOption(menuText: str, handle: Callable[..., Any]) -> None:
    STATE.farm_popup_menu.append((menuText, handle))


def GetSortedDependencyList(nodeList: Sequence[Any]) -> List[Dict[str, Any]]:
    out = []
    for node in nodeList:
        out.append({"name": node.getName(), "service": STATE.renderer, "range": None, "deps": [],
                    "outputs": []})
    return out


def IsSceneValid(nodeScope: int = NODES_ALL) -> bool:
    return True
