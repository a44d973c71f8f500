"""The "Render Farm" menu and the shelf: created once, recreated idempotently, removable.

UI only: callers check for an interactive session first (``startup.install``).
The shelf's buttons come from ``rfsync_shelf.json`` (``shelf/maya/`` in the
repository, ``shelves/`` in an installed module); its icons from the ``icons``
folder beside it (an installed module's ``icons/`` is on XBMLANGPATH too).
"""

from __future__ import annotations

import json
import os
from typing import Any, Callable, Dict, List, Optional, Tuple

from maya import cmds, mel

from . import MENU_LABEL, MENU_NAME

SHELF_FILE = "rfsync_shelf.json"


def main_window_name() -> str:
    return str(mel.eval("$rfsyncTmp = $gMainWindow") or "MayaWindow")


def shelf_top_level() -> str:
    return str(mel.eval("$rfsyncTmp = $gShelfTopLevel"))


def _action(name: str) -> Callable[..., None]:
    """A menu callback (Maya passes a positional arg); the actions module is imported on first use."""

    def run(*_args: Any) -> None:
        from . import actions

        getattr(actions, name)()

    return run


MENU_ITEMS: List[Optional[Tuple[str, str, str]]] = [
    ("Upload scene assets", "upload_scene_assets", "Upload every file this scene needs to the farm"),
    ("Submit scene", "submit_scene", "Upload the scene and its files, then submit a render task"),
    ("Download renders…", "download_renders", "Download the rendered frames of a task"),
    ("Farm jobs…", "farm_jobs", "This scene's tasks on the farm: states, frames into the images folder"),
    ("Show transfers", "show_transfers", "Show transfer panels running in the background"),
    None,
    ("Settings…", "open_settings", "Platform, max speed and threads"),
]


def remove_menu() -> bool:
    """Delete the menu if it exists; True when something was removed."""
    if cmds.menu(MENU_NAME, exists=True):
        cmds.deleteUI(MENU_NAME, menu=True)
        return True
    return False


def install_menu() -> str:
    """(Re)create the "Render Farm" menu in Maya's main window."""
    remove_menu()
    menu = str(cmds.menu(MENU_NAME, label=MENU_LABEL, parent=main_window_name(), tearOff=True))
    for item in MENU_ITEMS:
        if item is None:
            cmds.menuItem(divider=True, parent=menu)
            continue
        label, action, annotation = item
        cmds.menuItem(label=label, command=_action(action), annotation=annotation, parent=menu)
    return menu


def shelf_definition_path() -> str:
    """Find ``rfsync_shelf.json``: installed module (``<module>/shelves``) or repository (``shelf/maya``)."""
    here = os.path.dirname(os.path.abspath(__file__))
    candidates = [
        os.path.join(here, os.pardir, os.pardir, "shelves", SHELF_FILE),
        os.path.join(here, os.pardir, os.pardir, os.pardir, os.pardir, "shelf", "maya", SHELF_FILE),
    ]
    for path in candidates:
        if os.path.isfile(path):
            return os.path.normpath(path)
    raise FileNotFoundError(f"rfsync shelf definition {SHELF_FILE} not found in: " + ", ".join(
        os.path.normpath(p) for p in candidates))


def load_shelf_definition() -> Dict[str, Any]:
    path = shelf_definition_path()
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    if not isinstance(data, dict) or not isinstance(data.get("shelf"), str) or not isinstance(
            data.get("buttons"), list):
        raise ValueError(f"{path}: expected {{'shelf': name, 'buttons': [...]}}")
    data["_folder"] = os.path.dirname(path)
    return data


def _icon(folder: str, image: str) -> str:
    """Absolute icon path when it sits beside the definition; else the bare name (XBMLANGPATH)."""
    for candidate in (os.path.join(folder, "icons", image), os.path.join(folder, os.pardir, "icons", image)):
        if os.path.isfile(candidate):
            return os.path.normpath(candidate).replace("\\", "/")
    return image


def remove_shelf(definition: Optional[Dict[str, Any]] = None) -> bool:
    definition = definition or load_shelf_definition()
    top = shelf_top_level()
    name = definition["shelf"]
    if not cmds.shelfLayout(name, parent=top, exists=True):
        return False
    cmds.deleteUI(f"{top}|{name}", layout=True)
    return True


def install_shelf() -> str:
    """(Re)create the rfsync shelf and its buttons, keeping the artist's selected shelf tab.

    A shelf Maya saved from an earlier session is reused: our buttons are
    replaced, nothing is duplicated. They are found by label as well as by name:
    Maya saves shelves without object names, so buttons restored next session
    have automatic names (hosts.md; deadline-cloud-for-maya matches by label).
    """
    definition = load_shelf_definition()
    top = shelf_top_level()
    name = definition["shelf"]
    full = f"{top}|{name}"
    current = cmds.shelfTabLayout(top, query=True, selectTab=True)
    if cmds.shelfLayout(name, parent=top, exists=True):
        ours = {b["name"] for b in definition["buttons"]}
        our_labels = {b["label"] for b in definition["buttons"]}
        children = cmds.shelfLayout(full, query=True, childArray=True)  # None when empty
        names: List[str] = [str(c) for c in children] if isinstance(children, list) else []
        for child in names:
            if child in ours or cmds.shelfButton(f"{full}|{child}", query=True, label=True) in our_labels:
                cmds.deleteUI(f"{full}|{child}", control=True)
    else:
        full = str(cmds.shelfLayout(name, parent=top))
    for button in definition["buttons"]:
        cmds.shelfButton(
            button["name"], parent=full, label=button["label"], annotation=button["annotation"],
            image1=_icon(definition["_folder"], button["image"]),
            imageOverlayLabel=button.get("overlay", ""),
            command=button["command"], sourceType="python", style="iconOnly", noDefaultPopup=True,
        )
    if current:
        cmds.shelfTabLayout(top, edit=True, selectTab=str(current))
    return full
