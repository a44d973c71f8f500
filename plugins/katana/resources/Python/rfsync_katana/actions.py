"""What the "RFSync" menu and the Util > Farm entries run (Katana GUI, main thread).

The flow is :class:`rfsync_core.ui.HostActions` (save first, collect, missing files, settings,
configs, a non-modal panel over Katana's main window); this module binds it to Katana: its words,
:class:`~rfsync_katana.host.KatanaHost` (which cannot always tell whether the project has unsaved
changes), and a summary of what will render before a task is submitted — Katana has no submit node
whose parameters the artist would have checked. :func:`rfsync_katana.menu.run_action` calls these names.
"""

from __future__ import annotations

import os
from typing import Any

from rfsync_core import CollectResult, TaskInfo
from rfsync_core.ui import HostActions, HostWords

from . import MENU_TITLE, status
from .host import KatanaHost

WORDS = HostWords(
    title=MENU_TITLE, noun="project", save_hint="File > Save As…", maybe_modified=True,
    reopen_hint=f"{MENU_TITLE} > Transfers panel",
    after_submit=f"The farm renders the task now; {MENU_TITLE} > Farm jobs… brings its frames in as they finish.",
)


class KatanaActions(HostActions[KatanaHost]):
    def task_info(self, host: KatanaHost, task_id: str, scene: str) -> TaskInfo:
        return host.task_info(task_id, scene)

    def confirm_submit(self, host: KatanaHost, scene: str, info: TaskInfo, collected: CollectResult) -> bool:
        summary = (f"Submit {os.path.basename(scene)} to the render farm?\n\n"
                   f"Renderer: {info.renderer or '(none found)'}\nFrames: {info.frames}\n"
                   f"Render nodes: {', '.join(info.layers) or '(none)'}\nFiles: {len(collected.found)}\n"
                   f"Task id: {info.task_id}")
        answer = host.show_message(f"{self.words.title}: submit", summary, level="question",
                                   buttons=("Submit", "Cancel"))
        return answer == "Submit"

    def status_writer(self, host: KatanaHost) -> Any:
        return status.write  # the main window's status bar shows the running transfer


ACTIONS = KatanaActions(KatanaHost, WORDS)
upload_scene_assets = ACTIONS.upload_scene_assets
submit_scene = ACTIONS.submit_scene
download_renders = ACTIONS.download_renders
show_transfers = ACTIONS.show_transfers
farm_jobs = ACTIONS.farm_jobs
open_settings = ACTIONS.open_settings
