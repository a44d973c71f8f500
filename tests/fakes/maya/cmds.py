"""Fake ``maya.cmds``: the commands rfsync's Maya plugin uses, long flag names only.

Each function takes only the flags the plugin uses (unknown flags raise
TypeError, as an invalid flag raises in Maya), returns what Maya returns
(None for empty list queries where Maya does), and raises RuntimeError or
ValueError where Maya does.
"""

from __future__ import annotations

import os
import threading
from typing import Any, Callable, List, Optional, Sequence, Union

from ._state import MAIN_PROGRESS_BAR, MAIN_WINDOW, SHELF_TOP, STATE, Menu

# -- application --------------------------------------------------------------------------------


def about(*, batch: bool = False, version: bool = False, apiVersion: bool = False,
          product: bool = False) -> Any:
    STATE.require_initialized()
    if batch:
        return STATE.batch
    if version:
        return STATE.version
    if apiVersion:
        return int(STATE.version) * 10000
    if product:
        return f"Maya {STATE.version}"
    raise TypeError("about: no flag given")


# -- scene file -----------------------------------------------------------------------------------


def file(arg0: Optional[str] = None, /, *, query: bool = False, sceneName: bool = False,
         list: bool = False, modified: bool = False, save: bool = False, open: bool = False,
         force: bool = False, newFile: bool = False, rename: Optional[str] = None,
         withoutCopyNumber: bool = False) -> Any:
    STATE.require_initialized()
    if query:
        if sceneName:
            return STATE.scene_name
        if modified:
            return STATE.modified
        if list:
            files = [STATE.scene_name] if STATE.scene_name else []
            files += [r.file for r in STATE.references.values()]
            for node in STATE.nodes.values():
                if node.type == "file" and node.attrs.get("fileTextureName"):
                    files.append(node.attrs["fileTextureName"])
            return files
        raise TypeError("file: unsupported query")
    if rename is not None:
        STATE.scene_name = os.path.abspath(rename).replace("\\", "/")
        STATE.modified = True
        return STATE.scene_name
    if save:
        if not STATE.scene_name:
            raise RuntimeError("Untitled scene: use file -rename first")
        STATE.write_scene(STATE.scene_name)
        STATE.modified = False
        STATE.saves += 1
        return STATE.scene_name
    if open:
        if arg0 is None:
            raise TypeError("file: open needs a path")
        if STATE.modified and not force:
            raise RuntimeError("Unsaved changes: use force=True")
        STATE.open_scene(arg0)
        STATE.log(f"open {arg0}")
        return STATE.scene_name
    if newFile:
        if STATE.modified and not force:
            raise RuntimeError("Unsaved changes: use force=True")
        STATE.new_scene()
        return ""
    raise TypeError("file: unsupported flags")


def filePathEditor(*args: str, query: bool = False, refresh: bool = False,
                   listDirectories: Optional[str] = None, listFiles: Optional[str] = None,
                   withAttribute: bool = False, status: bool = False) -> Any:
    """Maya's file path editor. Queries return None when there is nothing; refresh rebuilds the cache."""
    STATE.require_initialized()
    if refresh:
        STATE.fpe_refresh()
        return None
    if not query:
        raise TypeError("filePathEditor: unsupported flags")
    entries = STATE.fpe_snapshot()
    if listDirectories is not None:
        dirs: List[str] = []
        for directory, _name, _attr in entries:
            if directory not in dirs:
                dirs.append(directory)
        return dirs or None
    if listFiles is not None:
        out: List[Any] = []
        for directory, name, attr in entries:
            if listFiles and directory != listFiles.replace("\\", "/").rstrip("/"):
                continue
            out.append(name if listFiles else f"{directory}/{name}")
            if withAttribute:
                out.append(attr)
            if status:
                out.append(int(os.path.exists(os.path.join(directory, name))))
        return out or None
    raise TypeError("filePathEditor: unsupported query")


def workspace(arg0: Optional[str] = None, /, *, query: bool = False, rootDirectory: bool = False,
              directory: bool = False, fileRuleEntry: Optional[str] = None,
              fileRule: Optional[Sequence[str]] = None) -> Any:
    STATE.require_initialized()
    if fileRuleEntry is not None:  # the rule's location as written: relative to the root, or absolute
        return STATE.file_rules.get(fileRuleEntry, "")
    if fileRule is not None and not query:
        name, location = fileRule
        STATE.file_rules[name] = location
        return None
    if query and (rootDirectory or directory):
        root = STATE.workspace_root or os.getcwd()
        return root.replace("\\", "/").rstrip("/") + "/"
    raise TypeError("workspace: unsupported flags")


# -- nodes and attributes --------------------------------------------------------------------------


def ls(*args: str, type: Union[str, Sequence[str], None] = None, cameras: bool = False,
       long: bool = False) -> List[str]:
    STATE.require_initialized()
    types = [type] if isinstance(type, str) else list(type or [])
    out = []
    for node in STATE.nodes.values():
        if args and node.name not in args:
            continue
        if cameras and node.type != "camera":
            continue
        if types and node.type not in types:
            continue
        out.append(node.name)
    return out


def _node(name: str) -> Any:
    node = STATE.nodes.get(name)
    if node is None:
        raise ValueError(f"No object matches name: {name}")
    return node


def listAttr(*args: str, usedAsFilename: bool = False) -> Optional[List[str]]:
    STATE.require_initialized()
    out: List[str] = []
    for name in args:
        node = _node(name)
        out += list(node.filename_attrs) if usedAsFilename else list(node.attrs)
    return out or None


def getAttr(*args: str, asString: bool = False) -> Any:
    STATE.require_initialized()
    if len(args) != 1 or "." not in args[0]:
        raise TypeError("getAttr: give one 'node.attr'")
    node_name, attr = args[0].split(".", 1)
    node = _node(node_name)
    if attr not in node.attrs:
        raise ValueError(f"No object matches name: {args[0]}")
    value = node.attrs[attr]
    return str(value) if asString else value


def listRelatives(*args: str, parent: bool = False, fullPath: bool = False) -> Optional[List[str]]:
    STATE.require_initialized()
    out = []
    for name in args:
        node = _node(name)
        if parent and node.parent:
            out.append(("|" + node.parent) if fullPath else node.parent)
    return out or None


def referenceQuery(*args: str, filename: bool = False, withoutCopyNumber: bool = False,
                   isLoaded: bool = False, isNodeReferenced: bool = False) -> Any:
    STATE.require_initialized()
    if len(args) != 1:
        raise TypeError("referenceQuery: give one node")
    ref = STATE.references.get(args[0])
    if isNodeReferenced:
        return False
    if ref is None:
        raise RuntimeError(f"The specified node '{args[0]}' is not a reference node.")
    if filename:
        return ref.file if withoutCopyNumber or ref.copy == 0 else f"{ref.file}{{{ref.copy}}}"
    if isLoaded:
        return ref.loaded
    raise TypeError("referenceQuery: unsupported flags")


def playbackOptions(*, query: bool = False, minTime: bool = False, maxTime: bool = False) -> float:
    STATE.require_initialized()
    if query and minTime:
        return STATE.playback[0]
    if query and maxTime:
        return STATE.playback[1]
    raise TypeError("playbackOptions: unsupported flags")


def editRenderLayerGlobals(*, query: bool = False, currentRenderLayer: bool = False) -> str:
    STATE.require_initialized()
    return "defaultRenderLayer"


def currentTime(*, query: bool = False) -> float:
    STATE.require_initialized()
    return STATE.playback[0]


# -- plug-ins ---------------------------------------------------------------------------------------


def loadPlugin(*args: str, quiet: bool = False) -> List[str]:
    STATE.require_initialized()
    for name in args:
        STATE.plugins[name] = True
    return list(args)


def unloadPlugin(*args: str) -> List[str]:
    for name in args:
        STATE.plugins[name] = False
    return list(args)


def pluginInfo(arg0: str, /, *, query: bool = False, loaded: bool = False) -> bool:
    return bool(STATE.plugins.get(arg0)) if query and loaded else False


# -- UI: the main progress bar -----------------------------------------------------------------------


def progressBar(arg0: str, /, *, edit: bool = False, query: bool = False, beginProgress: bool = False,
                endProgress: bool = False, isInterruptable: bool = False, status: Optional[str] = None,
                maxValue: Optional[int] = None, progress: Optional[int] = None, step: Optional[int] = None,
                isCancelled: bool = False) -> Any:
    """Maya docs "progressBar": the main progress bar (``$gMainProgressBar``) between ``beginProgress`` and
    ``endProgress``; edits record the calling thread (Maya's UI commands belong to the main thread)."""
    STATE.require_ui("progressBar")
    if arg0 != MAIN_PROGRESS_BAR:
        raise RuntimeError(f"progressBar: object '{arg0}' not found")
    if query:
        return False if isCancelled else None
    if not edit:
        raise TypeError("progressBar: the fake only edits the main progress bar")
    if endProgress:
        STATE.progress_begun = False
    if beginProgress:
        STATE.progress_begun = True
    STATE.progress_calls.append({"begin": beginProgress, "end": endProgress, "status": status,
                                 "progress": progress, "maxValue": maxValue, "interruptable": isInterruptable,
                                 "thread": threading.current_thread().name})
    return None


# -- UI: menus ----------------------------------------------------------------------------------------


def menu(arg0: Optional[str] = None, /, *, exists: bool = False, label: Optional[str] = None,
         parent: Optional[str] = None, tearOff: bool = False, edit: bool = False,
         query: bool = False, itemArray: bool = False) -> Any:
    STATE.require_ui("menu")
    if exists:
        return arg0 in STATE.menus
    if query and itemArray:
        m = STATE.menus.get(arg0 or "")
        if m is None:
            raise RuntimeError(f"menu: object '{arg0}' not found")
        return [i["name"] for i in m.items] or None
    if edit:
        raise TypeError("menu: edit not supported by the fake")
    name = arg0 or STATE.unique("menu")
    if name in STATE.menus:
        raise RuntimeError(f"Object's name '{name}' is not unique.")
    if parent != MAIN_WINDOW:
        raise RuntimeError(f"menu: parent '{parent}' not found")
    STATE.menus[name] = Menu(name, label or name, parent)
    return name


def menuItem(arg0: Optional[str] = None, /, *, label: Optional[str] = None,
             command: Optional[Callable[..., Any]] = None, parent: Optional[str] = None,
             divider: bool = False, annotation: Optional[str] = None, sourceType: Optional[str] = None,
             dividerLabel: Optional[str] = None) -> str:
    STATE.require_ui("menuItem")
    if parent is None or parent not in STATE.menus:
        raise RuntimeError(f"menuItem: parent menu '{parent}' not found")
    if command is not None and not callable(command) and not isinstance(command, str):
        raise TypeError("menuItem: command must be a callable or a string")
    name = arg0 or STATE.unique("menuItem")
    STATE.menus[parent].items.append({"name": name, "label": label, "command": command, "divider": divider,
                                      "annotation": annotation})
    return f"{MAIN_WINDOW}|{parent}|{name}"


def invoke_menu_item(menu_name: str, label: str) -> Any:
    """Test helper: what Maya does when the artist picks an item (callbacks get one positional arg)."""
    for item in STATE.menus[menu_name].items:
        if item["label"] == label:
            cmd = item["command"]
            return cmd(False) if callable(cmd) else exec(cmd, {})
    raise KeyError(label)


# -- UI: shelves -----------------------------------------------------------------------------------


def _shelf_short(name: str) -> str:
    return name.rsplit("|", 1)[-1]


def shelfTabLayout(arg0: Optional[str] = None, /, *, query: bool = False, edit: bool = False,
                   selectTab: Optional[Any] = None, childArray: bool = False,
                   exists: bool = False) -> Any:
    STATE.require_ui("shelfTabLayout")
    if arg0 != SHELF_TOP:
        raise RuntimeError(f"shelfTabLayout: object '{arg0}' not found")
    if query and selectTab:
        return STATE.selected_tab
    if query and childArray:
        return list(STATE.shelves) or None
    if edit and isinstance(selectTab, str):
        if selectTab not in STATE.shelves:
            raise RuntimeError(f"shelfTabLayout: tab '{selectTab}' not found")
        STATE.selected_tab = selectTab
        return None
    raise TypeError("shelfTabLayout: unsupported flags")


def shelfLayout(arg0: Optional[str] = None, /, *, exists: bool = False, parent: Optional[str] = None,
                query: bool = False, childArray: bool = False) -> Any:
    STATE.require_ui("shelfLayout")
    short = _shelf_short(arg0 or "")
    if exists:
        return short in STATE.shelves
    if query and childArray:
        if short not in STATE.shelves:
            raise RuntimeError(f"shelfLayout: object '{arg0}' not found")
        return list(STATE.shelves[short]) or None
    if parent != SHELF_TOP:
        raise RuntimeError(f"shelfLayout: parent '{parent}' not found")
    if short in STATE.shelves:
        raise RuntimeError(f"Object's name '{short}' is not unique.")
    STATE.shelves[short] = {}
    return f"{SHELF_TOP}|{short}"


def shelfButton(arg0: Optional[str] = None, /, *, parent: Optional[str] = None, edit: bool = False,
                query: bool = False, exists: bool = False, label: Optional[Union[str, bool]] = None,
                annotation: Optional[str] = None,
                image1: Optional[str] = None, image: Optional[str] = None,
                command: Optional[Union[str, Callable[..., Any]]] = None,
                sourceType: Optional[str] = None, style: Optional[str] = None,
                noDefaultPopup: bool = False, imageOverlayLabel: Optional[str] = None) -> Any:
    STATE.require_ui("shelfButton")
    if exists:
        return any(_shelf_short(arg0 or "") in b for b in STATE.shelves.values())
    if query:  # one flag at a time, as Maya: shelfButton(path, query=True, label=True)
        flag = {"label": label, "command": command}
        asked = [k for k, v in flag.items() if v is True]
        if len(asked) != 1:
            raise TypeError("shelfButton: query one of label/command")
        for buttons in STATE.shelves.values():
            if _shelf_short(arg0 or "") in buttons:
                return buttons[_shelf_short(arg0 or "")].get(asked[0], "")
        raise RuntimeError(f"shelfButton: object '{arg0}' not found")
    fields = {k: v for k, v in dict(label=label, annotation=annotation, image1=image1 or image,
                                    command=command, sourceType=sourceType, style=style,
                                    imageOverlayLabel=imageOverlayLabel).items() if v is not None}
    if sourceType not in (None, "python", "mel"):
        raise RuntimeError(f"shelfButton: invalid sourceType '{sourceType}'")
    if edit:
        for buttons in STATE.shelves.values():
            if _shelf_short(arg0 or "") in buttons:
                buttons[_shelf_short(arg0 or "")].update(fields)
                return None
        raise RuntimeError(f"shelfButton: object '{arg0}' not found")
    shelf = _shelf_short(parent or "")
    if shelf not in STATE.shelves:
        raise RuntimeError(f"shelfButton: parent '{parent}' not found")
    name = _shelf_short(arg0) if arg0 else STATE.unique("shelfButton")
    if name in STATE.shelves[shelf]:
        raise RuntimeError(f"Object's name '{name}' is not unique.")
    STATE.shelves[shelf][name] = fields
    return f"{SHELF_TOP}|{shelf}|{name}"


# -- UI: generic ------------------------------------------------------------------------------------


def deleteUI(*args: str, menu: bool = False, control: bool = False, layout: bool = False,
             window: bool = False) -> None:
    STATE.require_ui("deleteUI")
    for name in args:
        short = _shelf_short(name)
        if menu and short in STATE.menus:
            del STATE.menus[short]
        elif layout and short in STATE.shelves:
            del STATE.shelves[short]
            if STATE.selected_tab == short:
                STATE.selected_tab = next(iter(STATE.shelves), "")
        elif control and any(short in b for b in STATE.shelves.values()):
            for buttons in STATE.shelves.values():
                buttons.pop(short, None)
        else:
            raise RuntimeError(f"Object '{name}' not found.")


def evalDeferred(arg0: Optional[Callable[..., Any]] = None, /, *, lowestPriority: bool = False,
                 evaluateNext: bool = False) -> List[str]:
    STATE.require_initialized()
    if arg0 is None:
        raise TypeError("evalDeferred: give a callable")
    STATE.deferred.append(arg0)
    return []


def confirmDialog(*, title: str = "", message: str = "", button: Optional[Sequence[str]] = None,
                  defaultButton: str = "", cancelButton: str = "", dismissString: str = "",
                  icon: str = "", parent: str = "") -> str:
    """Records the dialog and returns the answer a test queued in ``STATE.answers``."""
    STATE.require_ui("confirmDialog")
    buttons = [button] if isinstance(button, str) else list(button or ["Confirm"])
    STATE.dialogs.append({"title": title, "message": message, "buttons": buttons})
    if not STATE.answers:
        raise AssertionError(f"unexpected dialog {title!r}: {message!r}")
    answer = STATE.answers.pop(0)
    if answer not in buttons and answer != dismissString:
        raise AssertionError(f"answer {answer!r} is not a button of {buttons}")
    return answer
