"""Old import path of the host helpers, kept for one release: use :mod:`rfsync_core.app` (front ends)
and :mod:`rfsync_core.collect` (file patterns). Nothing lives here."""

from __future__ import annotations

from ._files import write_json_atomic
from .app.console import ConsoleProgress, format_progress, human_bytes, human_duration
from .app.host import HostAdapter
from .app.jobs import TransferJob, download_job, merge_results, submit_job, upload_manifest_job
from .app.tasks import (
    CONFIG_NAMES,
    TaskInfo,
    build_upload_manifest,
    frame_list,
    task_folder,
    work_folder,
    write_task_configs,
    write_upload_manifest,
)
from .collect import (
    TEXTURE_SIBLING_EXTENSIONS,
    CollectResult,
    collect_files,
    expand_env,
    expand_file_pattern,
    has_pattern,
    pattern_regex,
)
from .config.settings import SETTINGS_FILE, TransferSettings
from .farm import new_task_id

__all__ = [
    "CONFIG_NAMES", "SETTINGS_FILE", "TEXTURE_SIBLING_EXTENSIONS", "CollectResult", "ConsoleProgress",
    "HostAdapter", "TaskInfo", "TransferJob", "TransferSettings", "build_upload_manifest", "collect_files",
    "download_job", "expand_env", "expand_file_pattern", "format_progress", "frame_list", "has_pattern",
    "human_bytes", "human_duration", "merge_results", "new_task_id", "pattern_regex", "submit_job",
    "task_folder", "upload_manifest_job", "work_folder", "write_json_atomic", "write_task_configs",
    "write_upload_manifest",
]
