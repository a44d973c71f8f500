"""What the "Render Farm" menu and the shelf run (interactive Maya, main thread).

Each action: make sure the scene is saved, collect its files, show the missing
ones and let the artist choose, write the config files into the scene's rfsync
work folder, then start the transfer in a non-modal panel parented to Maya's
main window — Maya stays usable while the files go up.
"""

from __future__ import annotations

import os
from typing import Any, List, Optional

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

from .host import MayaHost


def _host() -> MayaHost:
    return MayaHost()


def ensure_saved(host: MayaHost) -> Optional[str]:
    """The saved scene's path, or None (see :func:`rfsync_core.app.checks.ensure_saved`)."""
    return host_checks.ensure_saved(host, title="Render Farm", noun="scene", save_hint="File > Save Scene As…")


def confirm_missing(host: MayaHost, collected: CollectResult, verb: str) -> bool:
    """True when nothing is missing or the artist goes on anyway."""
    return host_checks.confirm_missing(host, collected, verb, title="Render Farm", noun="scene")


def _settings(host: MayaHost) -> Optional[TransferSettings]:
    try:
        return TransferSettings.load()
    except RfsyncError as err:
        host.show_message("Render Farm", str(err), level="error")
        return None


def _show(job: Any, title: str, host: MayaHost, done_message: str = "", noun: str = "files") -> Any:
    from rfsync_core.ui import run_in_panel

    return run_in_panel(job, title, parent=host.main_window(), done_message=done_message, noun=noun)


def upload_scene_assets() -> Optional[Any]:
    """Upload the scene and every file it needs. Returns the panel (None when stopped before)."""
    host = _host()
    scene = ensure_saved(host)
    if scene is None:
        return None
    collected = host.collect_assets()
    if not confirm_missing(host, collected, "Upload"):
        return None
    settings = _settings(host)
    if settings is None:
        return None
    manifest = write_upload_manifest(os.path.join(work_folder(scene), "upload.json"), scene, collected.found)
    name = os.path.basename(scene)
    return _show(upload_manifest_job(manifest, settings), f"Upload {name}", host,
                 done_message=f"Done: {name} and its files are on the farm's storage.")


def submit_scene(task_id: Optional[str] = None) -> Optional[Any]:
    """Write the task's config files, upload the assets, then submit the task. Returns the panel."""
    host = _host()
    scene = ensure_saved(host)
    if scene is None:
        return None
    collected = host.collect_assets()
    if not confirm_missing(host, collected, "Submit"):
        return None
    settings = _settings(host)
    if settings is None:
        return None
    task_id = task_id or new_task_id()
    info = host.task_info(task_id, scene)
    configs = write_task_configs(task_folder(scene, task_id), info, collected)
    panel = _show(submit_job(task_id, configs, settings), f"Submit {info.scene_name} (task {task_id})", host,
                  done_message=f"Task {task_id} submitted: the farm will render frames {info.frames}.")
    panel.next_steps["done"] = "Render Farm > Download renders… fetches the frames once they are rendered."
    return panel


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
    ids: List[str] = [t.strip() for t in task_id.split(",") if t.strip()]
    if local_path is None:
        local_path = QtWidgets.QFileDialog.getExistingDirectory(
            parent, "Download renders into", str(default_download_root()))
        if not local_path:
            return None
    settings = _settings(host)
    if settings is None:
        return None
    return _show(download_job(ids, local_path, settings), f"Download task {', '.join(ids)}", host,
                 done_message=f"Done: the rendered files are in {local_path}.")


def show_transfers() -> int:
    """Bring back panels that run in the background. Returns how many were shown."""
    from rfsync_core.ui import active_panels

    panels = active_panels()
    for panel in panels:
        panel.show_again()
    if not panels:
        _host().show_message("Render Farm", "No transfers are running.")
    return len(panels)


def open_settings() -> Optional[TransferSettings]:
    """The settings dialog (platform, max speed, threads). Returns the saved settings, None if cancelled."""
    from rfsync_core.ui import SettingsDialog

    host = _host()
    settings = _settings(host) or TransferSettings()
    dialog = SettingsDialog(parent=host.main_window(), settings=settings)
    accepted = dialog.exec_() if hasattr(dialog, "exec_") else dialog.exec()
    return dialog.settings if accepted else None
