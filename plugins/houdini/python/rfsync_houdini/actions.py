"""What the "RFSync" menu and the submit ROP's buttons run (interactive Houdini, main thread).

The flow is :class:`rfsync_core.ui.HostActions` (save first, collect, missing files, settings,
configs, a non-modal panel parented to Houdini's main window); this module binds it to Houdini:
its words, :class:`~rfsync_houdini.host.HoudiniHost`, the status bar, error details in
``hou.ui.displayMessage``, and a ROP's scope — its frame range, its ``platform`` parameter, the
ROPs it renders. ``MainMenuCommon.xml`` calls :func:`menu`; the ROP's buttons (:mod:`.rop`) call
:func:`upload_from_rop` and :func:`submit_rop` through :func:`guarded`.
"""

from __future__ import annotations

import sys
from typing import Any, Callable, Dict, Optional

import hou

from rfsync_core import CollectResult, FarmError, TaskInfo, TransferSettings
from rfsync_core.ui import HostActions, HostWords, TransferPanel

from . import MENU_LABEL, status
from .host import HoudiniHost, frame_numbers, rop_frame_range, settings_for, submit_rops

WORDS = HostWords(
    title=MENU_LABEL, noun="hip file", save_hint="File > Save As…",
    reopen_hint=f"{MENU_LABEL} > Show Transfers",
    after_submit=f"{MENU_LABEL} > Farm jobs… shows its frames and brings them into the shot as they finish.",
)


class HoudiniActions(HostActions[HoudiniHost]):
    """Houdini's hooks. With a ``rop`` an action sends what that ROP renders, on that ROP's platform."""

    def __init__(self, rop: Optional[Any] = None) -> None:
        super().__init__(HoudiniHost, WORDS)
        self.rop = rop

    def task_info(self, host: HoudiniHost, task_id: str, scene: str) -> TaskInfo:
        if self.rop is None:
            raise FarmError("submit through an RFSync Submit ROP")
        return host.task_info(task_id, scene, self.rop)  # checks the ROP, before anything is collected

    def collect(self, host: HoudiniHost) -> CollectResult:
        if self.rop is None:
            return host.collect_assets()  # every frame on disk
        return host.collect_assets(frame_numbers(*rop_frame_range(self.rop)), (self.rop.path(),))

    def render_frames(self, host: HoudiniHost) -> Optional[str]:
        return host.render_frames(self.rop)  # the ROP's range, as collect() uses it

    def settings(self, host: HoudiniHost) -> TransferSettings:
        return settings_for(self.rop)

    def status_writer(self, host: HoudiniHost) -> Any:
        return status.write  # the status bar shows the running transfer

    def announce(self, host: HoudiniHost, title: str) -> None:
        host.set_status(f"{self.words.title}: {title}…")

    def show_unexpected(self, host: HoudiniHost, text: str, details: str) -> None:
        if host.is_batch():
            super().show_unexpected(host, text, details)
            return
        hou.ui.displayMessage(f"Unexpected error: {text}", severity=hou.severityType.Error, title=self.words.title,
                              details=details)


ACTIONS = HoudiniActions()
guarded = ACTIONS.guarded
upload_scene_assets = ACTIONS.upload_scene_assets
download_renders = ACTIONS.download_renders
show_transfers = ACTIONS.show_transfers
farm_jobs = ACTIONS.farm_jobs
open_settings = ACTIONS.open_settings


def upload_from_rop(node: Any) -> Optional[TransferPanel]:
    """ROP button "Upload assets": the files the ROP's frame range needs, on the ROP's platform."""
    return HoudiniActions(node).upload_scene_assets()


def submit_rop(node: Any, task_id: Optional[str] = None) -> Optional[TransferPanel]:
    """ROP button "Submit": write the task's configs, upload the assets, then submit. Returns the panel."""
    return HoudiniActions(node).submit_scene(task_id)


def submit_scene() -> Optional[TransferPanel]:
    """Menu: submit through the selected (or only) rfsync_submit ROP."""
    rops = submit_rops()
    if len(rops) != 1:
        why = "There is no RFSync Submit ROP in /out" if not rops else "Several RFSync Submit ROPs exist"
        HoudiniHost().show_message(WORDS.title, f"{why}: select one (or create one in /out, connect the ROP to "
                                   "render to its input and set its frame range), then submit again.",
                                   level="warning")
        return None
    return submit_rop(rops[0])


MENU_ACTIONS: Dict[str, Callable[[], Any]] = {
    "upload_scene_assets": upload_scene_assets,
    "submit_scene": submit_scene,
    "download_renders": download_renders,
    "farm_jobs": farm_jobs,
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
