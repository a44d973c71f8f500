"""The farm protocol (docs/farm-protocol.md): where things live in the farm's storage (:mod:`.layout`),
what a task asks for (:mod:`.task`: ``task.json``, ``asset.json``, ``tips.json``) and what the farm
reports (:mod:`.status`: ``status.json``).

The farm reports progress only through documents in its storage, so reading them strictly is what
keeps auto-download honest: a malformed document is a :class:`~rfsync_core.errors.FarmError` naming
the task and the problem, and an unknown task id is a :class:`~rfsync_core.errors.TaskNotFoundError`
at once, never an endless wait. No I/O retries here (callers wrap reads in ``retry_call``).
"""

from __future__ import annotations

from .layout import (
    CONFIG_BATCHES,
    CONFIG_FILES,
    INPUT_PREFIX,
    OUTPUT_PREFIX,
    TASKS_PREFIX,
    check_task_id,
    config_key,
    config_prefix,
    new_task_id,
    output_prefix_for,
    safe_scene_name,
    scene_name_from_path,
    status_key,
    task_submitted,
)
from .schemas import FINAL_STATES, FRAME_STATES, PROTOCOL_VERSION, STATUS_SCHEMA, TASK_SCHEMA, TASK_STATES
from .status import FrameStatus, TaskStatus, parse_task_status, read_task_status, task_status_document
from .task import (
    MAX_FRAMES,
    TaskConfig,
    asset_document,
    expand_frames,
    parse_task_config,
    task_config_document,
    tips_document,
)

__all__ = [
    "CONFIG_BATCHES", "CONFIG_FILES", "FINAL_STATES", "FRAME_STATES", "INPUT_PREFIX", "MAX_FRAMES", "OUTPUT_PREFIX",
    "PROTOCOL_VERSION", "STATUS_SCHEMA", "TASKS_PREFIX", "TASK_SCHEMA", "TASK_STATES", "FrameStatus", "TaskConfig",
    "TaskStatus", "asset_document", "check_task_id", "config_key", "config_prefix", "expand_frames",
    "new_task_id", "output_prefix_for", "parse_task_config", "parse_task_status", "read_task_status",
    "safe_scene_name", "scene_name_from_path", "status_key", "task_config_document", "task_status_document",
    "task_submitted", "tips_document",
]
