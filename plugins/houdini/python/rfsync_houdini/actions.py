"""What the "RFSync" menu and the submit ROP's buttons run (interactive Houdini, main thread).

Each action: make sure the hip file is saved, collect its files, show the
missing ones and let the artist choose, write the config files into the hip's
rfsync work folder, then start the transfer in a non-modal panel parented to
Houdini's main window. The transfer runs in the panel's worker thread: Houdini
stays usable while the files go up. :func:`guarded` turns any error into a
message box (UI) or a printed line (hython) — an action never raises into Houdini.
"""

from __future__ import annotations

import os
import sys
import traceback
from typing import Any, Callable, List, Optional, Sequence

import hou

from rfsync_core import (
    CollectResult,
    RfsyncError,
    TransferSettings,
    download_job,
    new_task_id,
    submit_job,
    task_folder,
    upload_manifest_job,
    work_folder,
    write_task_configs,
    write_upload_manifest,
)
from rfsync_core.app import checks as host_checks

from . import ROP_TYPE
from .host import HoudiniHost, frame_numbers, rop_frame_range

TITLE = "RFSync"


def _host() -> HoudiniHost:
    return HoudiniHost()


def guarded(action: Callable[..., Any], *args: Any) -> Any:
    """Run an action; an error becomes a message (with the traceback as details when unexpected)."""
    host = _host()
    try:
        return action(*args)
    except RfsyncError as err:
        host.show_message(TITLE, str(err), level="error")
    except Exception as err:  # never let an action's bug escape into Houdini's callback
        if host.is_batch():
            traceback.print_exc()
            host.show_message(TITLE, f"unexpected error: {err}", level="error")
        else:
            hou.ui.displayMessage(f"Unexpected error: {err}", severity=hou.severityType.Error, title=TITLE,
                                  details=traceback.format_exc())
    return None


def run_later(fn: Callable[[], Any]) -> None:
    """Run ``fn`` once Houdini is idle (UI), so a parameter callback returns at once; now in hython.

    ``hdefereval`` only imports when Houdini has a UI, so the UI is checked first.
    """
    if not hou.isUIAvailable():
        fn()
        return
    try:
        import hdefereval
    except ImportError:
        fn()
        return
    hdefereval.executeDeferred(fn)


def ensure_saved(host: HoudiniHost) -> Optional[str]:
    """The saved scene's path, or None (see :func:`rfsync_core.app.checks.ensure_saved`)."""
    return host_checks.ensure_saved(host, title=TITLE, noun="hip file", save_hint="File > Save As…")


def confirm_missing(host: HoudiniHost, collected: CollectResult, verb: str) -> bool:
    """True when nothing is missing or the artist goes on anyway."""
    return host_checks.confirm_missing(host, collected, verb, title=TITLE, noun="hip file")


def settings_for(node: Optional[Any] = None) -> TransferSettings:
    """The user's saved settings; a ROP's non-empty ``platform`` parameter overrides the platform."""
    settings = TransferSettings.load()
    parm = node.parm("platform") if node is not None else None
    platform = parm.evalAsString().strip() if parm is not None else ""
    if platform:
        settings.platform = platform
    return settings


def _show(job: Any, title: str, host: HoudiniHost, done_message: str = "") -> Any:
    from rfsync_core.ui import run_in_panel

    host.set_status(f"{TITLE}: {title}…")
    return run_in_panel(job, title, parent=host.main_window(), done_message=done_message)


def _upload(host: HoudiniHost, frames: Optional[Sequence[int]], exclude: Sequence[str],
            node: Optional[Any]) -> Optional[Any]:
    scene = ensure_saved(host)
    if scene is None:
        return None
    collected = host.collect_assets(frames, exclude)
    if not confirm_missing(host, collected, "Upload"):
        return None
    settings = settings_for(node)
    manifest = write_upload_manifest(os.path.join(work_folder(scene), "upload.json"), scene, collected.found)
    name = os.path.basename(scene)
    return _show(upload_manifest_job(manifest, settings), f"Upload {name}", host,
                 done_message=f"Done: {name} and its files are on the farm's storage.")


def upload_scene_assets() -> Optional[Any]:
    """Menu: upload the hip file and every file it needs (every frame on disk). Returns the panel."""
    return _upload(_host(), None, (), None)


def upload_from_rop(node: Any) -> Optional[Any]:
    """ROP button "Upload assets": the files the ROP's frame range needs, on the ROP's platform."""
    return _upload(_host(), frame_numbers(*rop_frame_range(node)), (node.path(),), node)


def submit_rop(node: Any, task_id: Optional[str] = None) -> Optional[Any]:
    """ROP button "Submit": write the task's configs, upload the assets, then submit. Returns the panel."""
    host = _host()
    scene = ensure_saved(host)
    if scene is None:
        return None
    info = host.task_info(task_id or new_task_id(), scene, node)  # checks the ROP before collecting
    collected = host.collect_assets(frame_numbers(*rop_frame_range(node)), (node.path(),))
    if not confirm_missing(host, collected, "Submit"):
        return None
    settings = settings_for(node)
    configs = write_task_configs(task_folder(scene, info.task_id), info, collected)
    panel = _show(submit_job(info.task_id, configs, settings), f"Submit {info.scene_name} (task {info.task_id})",
                  host, done_message=f"Task {info.task_id} submitted: the farm will render frames {info.frames}.")
    panel.next_steps["done"] = "RFSync > Download renders… fetches the frames once they are rendered."
    return panel


def submit_rops() -> List[Any]:
    """rfsync_submit ROPs: the selected ones, else every one in /out."""
    selected = [n for n in hou.selectedNodes() if n.type().name() == ROP_TYPE]
    if selected:
        return selected
    out = hou.node("/out")
    return [n for n in out.children() if n.type().name() == ROP_TYPE] if out is not None else []


def submit_scene() -> Optional[Any]:
    """Menu: submit through the selected (or only) rfsync_submit ROP."""
    host = _host()
    rops = submit_rops()
    if len(rops) != 1:
        why = "There is no RFSync Submit ROP in /out" if not rops else "Several RFSync Submit ROPs exist"
        host.show_message(TITLE, f"{why}: select one (or create one in /out, connect the ROP to render to its "
                          "input and set its frame range), then submit again.", level="warning")
        return None
    return submit_rop(rops[0])


def download_renders(task_id: Optional[str] = None, local_path: Optional[str] = None) -> Optional[Any]:
    """Ask for a task id and a folder, then download the task's rendered files."""
    from Qt import QtWidgets

    from rfsync_core import default_download_root

    host = _host()
    parent = host.main_window()
    if task_id is None:
        text, ok = QtWidgets.QInputDialog.getText(parent, "Download renders", "Task id(s), comma separated:")
        if not ok or not text.strip():
            return None
        task_id = text
    ids = [t.strip() for t in task_id.split(",") if t.strip()]
    if local_path is None:
        local_path = QtWidgets.QFileDialog.getExistingDirectory(
            parent, "Download renders into", str(default_download_root()))
        if not local_path:
            return None
    return _show(download_job(ids, local_path, settings_for()), f"Download task {', '.join(ids)}", host,
                 done_message=f"Done: the rendered files are in {local_path}.")


def show_transfers() -> int:
    """Bring back panels that run in the background. Returns how many were shown."""
    from rfsync_core.ui import active_panels

    panels = active_panels()
    for panel in panels:
        panel.show_again()
    if not panels:
        _host().show_message(TITLE, "No transfers are running.")
    return len(panels)


def open_settings() -> Optional[TransferSettings]:
    """The settings dialog (platform, max speed, threads). Returns the saved settings, None if cancelled."""
    from rfsync_core.ui import SettingsDialog

    host = _host()
    dialog = SettingsDialog(parent=host.main_window(), settings=TransferSettings.load())
    accepted = dialog.exec_() if hasattr(dialog, "exec_") else dialog.exec()
    return dialog.settings if accepted else None


MENU_ACTIONS = {
    "upload_scene_assets": upload_scene_assets,
    "submit_scene": submit_scene,
    "download_renders": download_renders,
    "show_transfers": show_transfers,
    "open_settings": open_settings,
}


def menu(name: str) -> Any:
    """What ``MainMenuCommon.xml``'s items call: ``rfsync_houdini.actions.menu("upload_scene_assets")``."""
    action = MENU_ACTIONS.get(name)
    if action is None:
        print(f"rfsync: unknown menu action {name!r}", file=sys.stderr)
        return None
    return guarded(action)
