"""The farm protocol (docs/farm-protocol.md): its storage layout, task ids and documents.

* :mod:`.layout` - the keys (``input/``, ``tasks/<id>/cfg/``, ``tasks/<id>/status.json``,
  ``output/<id>_<scene>/``) and the submit order (``task.json`` last); the only place that spells them;
* :mod:`.ids` - task ids; :mod:`.frames` - frame lists;
* :mod:`.status` - ``status.json`` (what the farm reports), read strictly from a storage;
* :mod:`.configs` - ``task.json``, ``asset.json``, ``tips.json`` (what a client submits).

This package re-exports them all; its submodules never import it (no cycle).
"""

from __future__ import annotations

from .configs import (
    ASSET_SCHEMA,
    TASK_SCHEMA,
    TIPS_SCHEMA,
    TaskConfig,
    asset_config_document,
    parse_asset_config,
    parse_task_config,
    parse_tips_config,
    task_config_document,
    tips_config_document,
)
from .frames import MAX_FRAMES, expand_frames
from .ids import check_task_id, new_task_id
from .layout import (
    ASSET_CONFIG,
    CONFIG_FILES,
    CONFIG_NAMES,
    INPUT_PREFIX,
    OUTPUT_PREFIX,
    PROTOCOL_VERSION,
    STATUS_NAME,
    TASK_CONFIG,
    TASKS_PREFIX,
    TIPS_CONFIG,
    UPLOAD_CONFIG,
    config_key,
    config_prefix,
    is_output_prefix,
    output_folder_name,
    output_prefix_for,
    pending_output_prefix,
    safe_scene_name,
    scene_name_from_path,
    status_key,
    submit_batches,
    submitted_key,
    task_prefix,
)
from .status import (
    FINAL_STATES,
    FRAME_STATES,
    STATUS_SCHEMA,
    TASK_STATES,
    FrameStatus,
    TaskStatus,
    parse_task_status,
    read_task_status,
    task_id_used,
    task_status_document,
    task_submitted,
)

__all__ = [
    "ASSET_CONFIG", "ASSET_SCHEMA", "CONFIG_FILES", "CONFIG_NAMES", "FINAL_STATES", "FRAME_STATES",
    "INPUT_PREFIX", "MAX_FRAMES", "OUTPUT_PREFIX", "PROTOCOL_VERSION", "STATUS_NAME", "STATUS_SCHEMA",
    "TASKS_PREFIX", "TASK_CONFIG", "TASK_SCHEMA", "TASK_STATES", "TIPS_CONFIG", "TIPS_SCHEMA", "UPLOAD_CONFIG",
    "FrameStatus", "TaskConfig", "TaskStatus", "asset_config_document", "check_task_id", "config_key",
    "config_prefix", "expand_frames", "is_output_prefix", "new_task_id", "output_folder_name",
    "output_prefix_for", "parse_asset_config", "parse_task_config", "parse_task_status", "parse_tips_config",
    "pending_output_prefix", "read_task_status", "safe_scene_name", "scene_name_from_path", "status_key",
    "submit_batches", "submitted_key", "task_config_document", "task_id_used", "task_prefix",
    "task_status_document", "task_submitted", "tips_config_document",
]
