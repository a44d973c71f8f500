"""What every front end shares (the host plugins, their batch modes, the panel, the CLI).

No Qt, no tqdm, no host module: the host contract (:class:`HostAdapter`), the questions asked before
sending (:mod:`.checks`), the task configs a host writes (:mod:`.tasks`), the transfer jobs
(:mod:`.jobs`), the batch-mode ending (:mod:`.batch`) and plain terminal lines (:mod:`.console`).
Imports the engine only; the UI and the CLI import this, never the other way round.
"""

from __future__ import annotations

from ..collect import CollectResult, collect_files, expand_file_pattern
from ..config.settings import TransferSettings
from ..farm import new_task_id
from .batch import add_transfer_arguments, send_from_batch, settings_with
from .checks import confirm_missing, ensure_saved
from .console import EXIT_CANCELLED, ConsoleProgress, format_progress, human_bytes, human_duration, run_cancellable
from .host import HostAdapter
from .jobs import TransferJob, download_job, merge_results, submit_job, upload_manifest_job
from .tasks import (
    CONFIG_NAMES,
    TaskInfo,
    build_upload_manifest,
    frame_list,
    task_folder,
    work_folder,
    write_task_configs,
    write_upload_manifest,
)

__all__ = [
    "CONFIG_NAMES",
    "EXIT_CANCELLED",
    "CollectResult",
    "ConsoleProgress",
    "HostAdapter",
    "TaskInfo",
    "TransferJob",
    "TransferSettings",
    "add_transfer_arguments",
    "build_upload_manifest",
    "collect_files",
    "confirm_missing",
    "download_job",
    "ensure_saved",
    "expand_file_pattern",
    "format_progress",
    "frame_list",
    "human_bytes",
    "human_duration",
    "merge_results",
    "new_task_id",
    "run_cancellable",
    "send_from_batch",
    "settings_with",
    "submit_job",
    "task_folder",
    "upload_manifest_job",
    "work_folder",
    "write_task_configs",
    "write_upload_manifest",
]
