"""Install and remove rfsync's UI in Maya: idempotent, interactive sessions only, after the UI exists.

The module's ``userSetup.py`` calls :func:`install_deferred` (Maya runs every
``userSetup.py`` on ``sys.path`` at startup, before the UI is up); the actual
work runs in ``maya.utils.executeDeferred`` once the main window is ready.
"""

from __future__ import annotations

import sys


def is_interactive() -> bool:
    """True in the GUI (kInteractive, kBaseUIMode); False in mayapy/batch (checked without maya.cmds)."""
    from maya.api import OpenMaya as om

    return om.MGlobal.mayaState() in (om.MGlobal.kInteractive, om.MGlobal.kBaseUIMode)


def install() -> bool:
    """Create (or recreate) the "Render Farm" menu and the shelf. No-op in batch; True when installed."""
    if not is_interactive():
        return False
    from . import menu

    menu.install_menu()
    try:
        menu.install_shelf()
    except (OSError, ValueError, RuntimeError) as err:  # a broken shelf must not lose the menu
        print(f"rfsync: shelf not created: {err}", file=sys.stderr)
    return True


def install_deferred() -> bool:
    """Queue :func:`install` for when Maya's UI is ready. Nothing happens in batch."""
    if not is_interactive():
        return False
    import maya.utils

    maya.utils.executeDeferred(install)
    return True


def uninstall() -> bool:
    """Remove the menu and the shelf (idempotent). True when something was removed."""
    if not is_interactive():
        return False
    from . import menu

    removed = menu.remove_menu()
    try:
        removed = menu.remove_shelf() or removed
    except (OSError, ValueError) as err:
        print(f"rfsync: shelf not removed: {err}", file=sys.stderr)
    return removed
