"""The farm's storage layout: the one place that spells its keys and its ordering rule.

``input/<server path>`` holds the assets, ``tasks/<id>/cfg/`` the four config files, ``tasks/<id>/status.json``
the farm's progress, ``output/<id>_<scene>/`` the rendered files (docs/farm-protocol.md). A client
uploads ``task.json`` last: the farm starts a task when it sees ``task.json``, so everything the
task needs must already be there (:data:`CONFIG_BATCHES`).
"""

from __future__ import annotations

import random
import re
import time
from typing import Tuple, Union

from ..errors import FarmError
from ..storage.base import Storage

__all__ = ["CONFIG_BATCHES", "CONFIG_FILES", "INPUT_PREFIX", "OUTPUT_PREFIX", "TASKS_PREFIX", "check_task_id",
           "config_key", "config_prefix", "new_task_id", "output_prefix_for", "safe_scene_name",
           "scene_name_from_path", "status_key", "task_submitted"]

INPUT_PREFIX = "input/"
TASKS_PREFIX = "tasks/"
OUTPUT_PREFIX = "output/"
STATUS_FILE = "status.json"
CONFIG_FILES = ("task.json", "asset.json", "tips.json", "upload.json")
CONFIG_BATCHES: Tuple[Tuple[str, ...], ...] = (("asset.json", "tips.json", "upload.json"), ("task.json",))
"""The order a client sends a task's configs in (after its assets): ``task.json`` alone, last."""

_TASK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]")


def check_task_id(task_id: Union[str, int]) -> str:
    """The task id as a string; FarmError when it could not be a folder name on the farm."""
    text = str(task_id).strip()
    if not _TASK_ID.match(text):
        raise FarmError(
            f"invalid task id {str(task_id)!r}: use 1-64 letters, digits, '_' or '-', starting with a letter or digit"
        )
    return text


def new_task_id() -> str:
    """A fresh task id for farms without an API: milliseconds since 1970 + 3 random digits."""
    return f"{int(time.time() * 1000)}{random.randint(0, 999):03d}"


def status_key(task_id: str) -> str:
    return f"{TASKS_PREFIX}{check_task_id(task_id)}/{STATUS_FILE}"


def config_prefix(task_id: str) -> str:
    return f"{TASKS_PREFIX}{check_task_id(task_id)}/cfg/"


def config_key(task_id: str, name: str) -> str:
    return config_prefix(task_id) + name


def safe_scene_name(name: str) -> str:
    """The scene part of an output folder name: unsafe characters become ``_``."""
    cleaned = _UNSAFE_NAME_CHARS.sub("_", name.strip()) or "scene"
    return "_" + cleaned if cleaned in (".", "..") else cleaned


def output_prefix_for(task_id: str, scene_name: str) -> str:
    return f"{OUTPUT_PREFIX}{check_task_id(task_id)}_{safe_scene_name(scene_name)}/"


def scene_name_from_path(scene: str) -> str:
    """``/D/proj/sh010.ma`` → ``sh010``."""
    base = scene.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[0] if "." in base[1:] else base


def task_submitted(storage: Storage, task_id: str) -> bool:
    """True when any configuration file of the task exists (``tasks/<id>/cfg/``)."""
    return next(iter(storage.list(config_prefix(task_id))), None) is not None
