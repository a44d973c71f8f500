"""The "RFSync" menu in Katana's main menu bar: created idempotently, removable.

UI only (callers check ``ui_mode()`` first). Katana has no main-menu API of its own for
this: ``UI4.App.MainWindow.GetMainWindow().getMenuBar()`` is a plain ``QMenuBar`` and our
``QMenu`` is found again by its objectName, removed and re-added (hosts.md).
"""

from __future__ import annotations

import sys
import traceback
from typing import Any, Callable, List, Optional, Tuple

from . import MENU_NAME, MENU_TITLE

MENU_ITEMS: List[Optional[Tuple[str, str, str]]] = [
    ("Upload scene assets", "upload_scene_assets", "Upload the project and every file it needs to the farm"),
    ("Submit…", "submit_scene", "Upload the project and its files, then submit a render task"),
    ("Download renders…", "download_renders", "Download the rendered frames of a task"),
    ("Farm jobs…", "farm_jobs", "This project's tasks on the farm: states, frames into the render folder"),
    ("Transfers panel", "show_transfers", "Show transfer panels running in the background"),
    None,
    ("Settings…", "open_settings", "Platform, max speed and threads"),
]


def run_action(name: str) -> Any:
    """Run ``actions.<name>()``; an exception is printed and shown, never raised into Qt.

    (An exception escaping a slot makes PyQt5 ≥ 5.5 abort the whole application.) Nothing runs
    when Qt.py uses another binding than Katana's (the Util > Farm entries exist even then).
    """
    from .qtbinding import binding_problem

    problem = binding_problem()
    if problem:
        print(problem, file=sys.stderr)
        return None
    try:
        from . import actions
    except Exception as err:  # a broken install: say so, but never raise into Qt
        traceback.print_exc(file=sys.stderr)
        try:
            from .host import KatanaHost

            KatanaHost().show_message(MENU_TITLE, f"{type(err).__name__}: {err}", level="error")
        except Exception:
            pass
        return None
    return actions.ACTIONS.guarded(lambda: getattr(actions, name)())


def _callback(name: str) -> Callable[..., None]:
    def run(*_args: Any) -> None:  # triggered(bool) passes "checked"
        run_action(name)

    return run


def find_menus(menubar: Any) -> List[Any]:
    """Our menus in ``menubar`` (there should be at most one)."""
    from Qt import QtWidgets

    return [m for m in menubar.findChildren(QtWidgets.QMenu) if m.objectName() == MENU_NAME]


def remove_menu(menubar: Any) -> bool:
    """Take our menu out of the menu bar and delete it; True when one was there."""
    menus = find_menus(menubar)
    for menu in menus:
        menubar.removeAction(menu.menuAction())
        menu.setParent(None)  # no longer found by findChildren, even before deleteLater runs
        menu.deleteLater()
    return bool(menus)


def install_menu(menubar: Any) -> Any:
    """(Re)create the "RFSync" menu just before Help (where artists look), else at the end; returns it."""
    from Qt import QtWidgets

    remove_menu(menubar)
    menu = QtWidgets.QMenu(MENU_TITLE, menubar)
    menu.setObjectName(MENU_NAME)
    menu.setToolTipsVisible(True)
    for item in MENU_ITEMS:
        if item is None:
            menu.addSeparator()
            continue
        label, action_name, tip = item
        action = menu.addAction(label)
        action.setObjectName(f"rfsync_{action_name}")
        action.setToolTip(tip)
        action.triggered.connect(_callback(action_name))
    help_action = next((a for a in menubar.actions() if a.text().replace("&", "").strip() == "Help"), None)
    if help_action is not None:
        menubar.insertMenu(help_action, menu)
    else:
        menubar.addMenu(menu)
    return menu
