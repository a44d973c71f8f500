"""What the "RFSync" menu runs (Katana GUI, main thread).

Each action: make sure the project is saved, collect its files, show the missing ones and
let the artist choose, write the config files into the project's rfsync work folder, then
start the transfer in the shared non-modal panel (``rfsync_core.ui``) whose worker runs in a
background thread — Katana's main thread never waits for the network.
"""

from __future__ import annotations

import os
from typing import Any, Optional

from rfsync_core import (
    CollectResult,
    RfsyncError,
    TransferSettings,
    new_task_id,
    submit_job,
    task_folder,
    upload_manifest_job,
    work_folder,
    write_task_configs,
    write_upload_manifest,
)
from rfsync_core.app import checks as host_checks

from .host import KatanaHost

TITLE = "RFSync"


def _host() -> KatanaHost:
    return KatanaHost()


def ensure_saved(host: KatanaHost) -> Optional[str]:
    """The saved scene's path, or None (see :func:`rfsync_core.app.checks.ensure_saved`)."""
    return host_checks.ensure_saved(host, title=TITLE, noun="project", save_hint="File > Save As…", maybe_modified=True)


def confirm_missing(host: KatanaHost, collected: CollectResult, verb: str) -> bool:
    """True when nothing is missing or the artist goes on anyway."""
    return host_checks.confirm_missing(host, collected, verb, title=TITLE, noun="project")


def _settings(host: KatanaHost) -> Optional[TransferSettings]:
    try:
        return TransferSettings.load()
    except RfsyncError as err:
        host.show_message(TITLE, str(err), level="error")
        return None


def _prepare(host: KatanaHost, verb: str) -> Optional[Any]:
    """(scene, collected, settings) when the artist may go on, else None."""
    scene = ensure_saved(host)
    if scene is None:
        return None
    collected = host.collect_assets()
    for warning in collected.warnings:
        print(f"rfsync: warning: {warning}")
    if not confirm_missing(host, collected, verb):
        return None
    settings = _settings(host)
    if settings is None:
        return None
    return scene, collected, settings


def _show(job: Any, title: str, host: KatanaHost, done_message: str) -> Any:
    from rfsync_core.ui import run_in_panel

    return run_in_panel(job, title, parent=host.main_window(), done_message=done_message)


def upload_scene_assets() -> Optional[Any]:
    """Upload the project and every file it needs. Returns the panel (None when stopped before)."""
    host = _host()
    prepared = _prepare(host, "Upload")
    if prepared is None:
        return None
    scene, collected, settings = prepared
    manifest = write_upload_manifest(os.path.join(work_folder(scene), "upload.json"), scene, collected.found)
    name = os.path.basename(scene)
    return _show(upload_manifest_job(manifest, settings), f"Upload {name}", host,
                 done_message=f"Done: {name} and its files are on the farm's storage.")


def submit_scene(task_id: Optional[str] = None) -> Optional[Any]:
    """Confirm what will render, write the task's config files, upload assets, then submit. Returns the panel."""
    host = _host()
    prepared = _prepare(host, "Submit")
    if prepared is None:
        return None
    scene, collected, settings = prepared
    task_id = task_id or new_task_id()
    info = host.task_info(task_id, scene)
    summary = (f"Submit {os.path.basename(scene)} to the render farm?\n\n"
               f"Renderer: {info.renderer or '(none found)'}\nFrames: {info.frames}\n"
               f"Render nodes: {', '.join(info.layers) or '(none)'}\nFiles: {len(collected.found)}\n"
               f"Task id: {task_id}")
    if host.show_message(f"{TITLE}: submit", summary, level="question", buttons=("Submit", "Cancel")) != "Submit":
        return None
    try:
        configs = write_task_configs(task_folder(scene, task_id), info, collected)
        job = submit_job(task_id, configs, settings)
    except RfsyncError as err:
        host.show_message(TITLE, str(err), level="error")
        return None
    panel = _show(job, f"Submit {info.scene_name} (task {task_id})", host,
                  done_message=f"Task {task_id} submitted: the farm will render frames {info.frames}.")
    panel.next_steps["done"] = "The farm renders the task now; rendered frames can be downloaded with rfsync."
    return panel


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
    settings = _settings(host) or TransferSettings()
    dialog = SettingsDialog(parent=host.main_window(), settings=settings)
    run = getattr(dialog, "exec", None) or dialog.exec_
    accepted = run()
    return dialog.settings if accepted else None
