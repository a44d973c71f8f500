"""What the "Render Farm" menu and the shelf run (interactive Maya, main thread).

The flow is :class:`rfsync_core.ui.HostActions` (save first, collect, missing files, settings,
configs, a non-modal panel parented to Maya's main window); this module only binds it to Maya's
words and :class:`~rfsync_maya.host.MayaHost`. The menu and the shelf call these names.
"""

from __future__ import annotations

from typing import Any

from rfsync_core import TaskInfo
from rfsync_core.ui import HostActions, HostWords

from . import MENU_LABEL, status
from .host import MayaHost

WORDS = HostWords(
    title=MENU_LABEL, noun="scene", save_hint="File > Save Scene As…",
    reopen_hint=f"{MENU_LABEL} > Show transfers",
    after_submit=f"{MENU_LABEL} > Farm jobs… shows its frames and brings them into the shot as they finish.",
)


class MayaActions(HostActions[MayaHost]):
    def task_info(self, host: MayaHost, task_id: str, scene: str) -> TaskInfo:
        return host.task_info(task_id, scene)

    def status_writer(self, host: MayaHost) -> Any:
        return status.write  # the main progress bar shows the running transfer


ACTIONS = MayaActions(MayaHost, WORDS)
upload_scene_assets = ACTIONS.upload_scene_assets
submit_scene = ACTIONS.submit_scene
download_renders = ACTIONS.download_renders
show_transfers = ACTIONS.show_transfers
farm_jobs = ACTIONS.farm_jobs
open_settings = ACTIONS.open_settings

