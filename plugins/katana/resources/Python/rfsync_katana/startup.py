"""Hook rfsync into Katana's startup: callbacks registered once, menu created once the UI is ready.

``Startup/init.py`` calls :func:`register_callbacks` at launch. ``onStartup`` adds two entries
to the Util > Farm menu (``FarmAPI.AddFarmMenuOption``, registered in onStartup as the Katana
docs ask, or in onStartupComplete if onStartup had fired before ``init.py`` ran); ``onStartupComplete``
adds the "RFSync" menu to the main window's menu bar. In
script mode (``katana --script``) neither creates anything. Callbacks receive keyword
arguments only (incl. ``objectHash``), hence ``**kwargs``.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any, Dict, Optional

from .host import ui_mode

FARM_MENU_ITEMS = (("RFSync: Upload scene assets", "upload_scene_assets"), ("RFSync: Submit…", "submit_scene"))

_DONE: Dict[str, bool] = {"callbacks": False, "farm_menu": False}


def _warn(message: str) -> None:
    print(message, file=sys.stderr)


def register_callbacks() -> bool:
    """Register our onStartup/onStartupComplete callbacks (once per session). True when registered now."""
    if _DONE["callbacks"]:
        return False
    from Katana import Callbacks

    Callbacks.addCallback(Callbacks.Type.onStartup, on_startup)
    Callbacks.addCallback(Callbacks.Type.onStartupComplete, on_startup_complete)
    _DONE["callbacks"] = True
    return True


def _farm_handle(action_name: str) -> Any:
    def handle(*_args: Any, **_kwargs: Any) -> None:  # the handle's arguments are unconfirmed
        from .menu import run_action

        run_action(action_name)

    return handle


def register_farm_menu() -> bool:
    """Util > Farm entries (GUI only, once). True when added now."""
    if _DONE["farm_menu"] or not ui_mode():
        return False
    from Katana import FarmAPI

    for text, action_name in FARM_MENU_ITEMS:
        FarmAPI.AddFarmMenuOption(text, _farm_handle(action_name))
    _DONE["farm_menu"] = True
    return True


def install() -> Optional[Any]:
    """Create (or recreate) the "RFSync" menu. None in script mode or when it cannot be created."""
    if not ui_mode():
        return None
    from .qtbinding import binding_problem

    problem = binding_problem()
    if problem:
        _warn(problem)
        return None
    import UI4  # top level: the Katana package gets UI4 only once the GUI runs (types-katana)

    window = UI4.App.MainWindow.GetMainWindow()
    if window is None:
        _warn("rfsync: Katana's main window does not exist yet: the RFSync menu was not created")
        return None
    from .menu import install_menu

    return install_menu(window.getMenuBar())


def uninstall() -> bool:
    """Remove the "RFSync" menu (idempotent). True when something was removed."""
    if not ui_mode():
        return False
    import UI4  # top level: the Katana package gets UI4 only once the GUI runs (types-katana)

    window = UI4.App.MainWindow.GetMainWindow()
    if window is None:
        return False
    from .menu import remove_menu

    return remove_menu(window.getMenuBar())


def on_startup(**_kwargs: Any) -> None:
    try:
        register_farm_menu()
    except Exception:  # never break Katana's startup
        traceback.print_exc(file=sys.stderr)


def on_startup_complete(**_kwargs: Any) -> None:
    try:
        # hosts.md: whether onStartup has already fired when Startup/init.py runs is unconfirmed; if it
        # had, our onStartup never runs, so the Util > Farm entries are added here instead (once).
        register_farm_menu()
        install()
    except Exception:  # never break Katana's startup
        traceback.print_exc(file=sys.stderr)
