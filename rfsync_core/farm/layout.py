"""The farm's storage layout (docs/farm-protocol.md §1, §3): the one place that spells its keys.

Why one module: the client, the farm emulator, the downloads and the seed's API all read and
write the same keys; when each spelled ``"tasks/"`` or ``"output/"`` itself they drifted apart.
Everything here is pure string work (no I/O), so any layer may import it.

::

    input/<server path>                    assets and scenes        (client writes)
    tasks/<task_id>/cfg/<config name>      task.json, asset.json... (client writes, task.json last)
    tasks/<task_id>/status.json            progress                 (farm writes)
    output/<task_id>_<scene>/...           rendered files           (farm writes)
"""

from __future__ import annotations

import re
from typing import Callable, Iterable, List, Optional, Tuple, TypeVar, Union

from .ids import check_task_id

__all__ = [
    "ASSET_CONFIG", "CONFIG_FILES", "CONFIG_NAMES", "INPUT_PREFIX", "OUTPUT_PREFIX", "PROTOCOL_VERSION",
    "STATUS_NAME", "TASKS_PREFIX", "TASK_CONFIG", "TIPS_CONFIG", "UPLOAD_CONFIG", "config_key",
    "config_prefix", "is_output_prefix", "output_folder_name", "output_prefix_for", "pending_output_prefix",
    "safe_scene_name", "scene_name_from_path", "status_key", "submit_batches", "submitted_key", "task_prefix",
]

PROTOCOL_VERSION = 1
"""Version of docs/farm-protocol.md; documents carry it as ``schema``."""

INPUT_PREFIX = "input/"
"""Assets and scenes: ``input`` + the server path (``input/D/proj/a.exr``)."""
TASKS_PREFIX = "tasks/"
"""One folder per task: ``tasks/<task_id>/``."""
OUTPUT_PREFIX = "output/"
"""Rendered files: ``output/<task_id>_<scene>/``."""

CONFIG_FOLDER = "cfg/"
STATUS_NAME = "status.json"
TASK_CONFIG = "task.json"
ASSET_CONFIG = "asset.json"
TIPS_CONFIG = "tips.json"
UPLOAD_CONFIG = "upload.json"
CONFIG_NAMES: Tuple[str, ...] = (TASK_CONFIG, ASSET_CONFIG, TIPS_CONFIG, UPLOAD_CONFIG)
"""The configuration files a client writes under ``tasks/<id>/cfg/``."""
CONFIG_FILES = CONFIG_NAMES  # the name rfsync_core.farm had before the package

_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]")
_SEPARATORS = re.compile(r"[\\/]")

T = TypeVar("T")


# -- tasks/<id>/ ---------------------------------------------------------------------------------

def task_prefix(task_id: Union[str, int]) -> str:
    """``tasks/<id>/``: anything under it means the id is taken (§2)."""
    return f"{TASKS_PREFIX}{check_task_id(task_id)}/"


def status_key(task_id: Union[str, int]) -> str:
    return task_prefix(task_id) + STATUS_NAME


def config_prefix(task_id: Union[str, int]) -> str:
    return task_prefix(task_id) + CONFIG_FOLDER


def config_key(task_id: Union[str, int], name: str) -> str:
    return config_prefix(task_id) + name


def submitted_key(task_id: Union[str, int]) -> str:
    """``tasks/<id>/cfg/task.json``: its presence tells the farm the task is submitted and complete (§3)."""
    return config_key(task_id, TASK_CONFIG)


def _last_segment(item: object) -> str:
    return _SEPARATORS.split(str(item))[-1]


def submit_batches(items: Iterable[T], name: Optional[Callable[[T], str]] = None) -> List[List[T]]:
    """The config files of a submission in upload order: the others first, then ``task.json`` alone.

    Why: the farm starts a task the moment its ``task.json`` exists (§3), so it must arrive after
    every other file, in a batch of its own (a batch's files are sent in parallel). ``items`` are
    file names, local paths or keys (``name`` picks the file name out of other items); empty
    batches are left out, the order within a batch is kept.
    """
    pick = name or _last_segment
    items = list(items)
    first = [i for i in items if pick(i) != TASK_CONFIG]
    last = [i for i in items if pick(i) == TASK_CONFIG]
    return [batch for batch in (first, last) if batch]


# -- output/<id>_<scene>/ ------------------------------------------------------------------------

def safe_scene_name(name: str) -> str:
    """The scene part of an output folder name: unsafe characters become ``_``."""
    cleaned = _UNSAFE_NAME_CHARS.sub("_", name.strip()) or "scene"
    return "_" + cleaned if cleaned in (".", "..") else cleaned


def scene_name_from_path(scene: str) -> str:
    """``/D/proj/sh010.ma`` → ``sh010``."""
    base = scene.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[0] if "." in base[1:] else base


def output_prefix_for(task_id: Union[str, int], scene_name: str) -> str:
    return f"{OUTPUT_PREFIX}{check_task_id(task_id)}_{safe_scene_name(scene_name)}/"


def pending_output_prefix(task_id: Union[str, int]) -> str:
    """``output/<id>_/``: the prefix of a task the farm has not picked up yet (its scene is not known)."""
    return f"{OUTPUT_PREFIX}{check_task_id(task_id)}_/"


def output_folder_name(prefix: str) -> str:
    """``output/123_sh010/`` → ``123_sh010``: the task's folder under the download root."""
    return prefix[len(OUTPUT_PREFIX):].strip("/")


def is_output_prefix(prefix: str) -> bool:
    """True for ``output/<something>/`` with no empty, ``.``, ``..``, backslash or NUL segment (§4)."""
    segments = prefix.split("/")[1:-1]
    if not (prefix.startswith(OUTPUT_PREFIX) and prefix.endswith("/") and segments):
        return False
    return not any(seg in ("", ".", "..") or "\\" in seg or "\x00" in seg for seg in segments)
