"""The farm protocol: task ids, ``task.json`` and ``status.json`` (see docs/farm-protocol.md).

The farm reports progress only through documents in its storage, so reading
them strictly is what keeps auto-download honest: a malformed document is a
:class:`~rfsync_core.errors.FarmError` naming the task and the problem, and an
unknown task id is a :class:`~rfsync_core.errors.TaskNotFoundError` at once,
never an endless wait. This module does no I/O retries (callers wrap reads in
``retry_call``) and knows nothing about local files.
"""

from __future__ import annotations

import json
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import fastjsonschema

from .errors import FarmError, NotFoundError, TaskNotFoundError
from .storage.base import Storage

PROTOCOL_VERSION = 1
TASK_STATES = ("waiting", "rendering", "done", "failed", "stopped")
FINAL_STATES = frozenset({"done", "failed", "stopped"})
FRAME_STATES = ("waiting", "rendering", "done", "failed")
CONFIG_FILES = ("task.json", "asset.json", "tips.json", "upload.json")

_TASK_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_UNSAFE_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]")
_FRAME_ITEM = re.compile(r"^\s*(-?\d+)\s*(?:-\s*(-?\d+)\s*(?:[xX:]\s*(\d+)\s*)?)?$")
MAX_FRAMES = 1_000_000

STATUS_SCHEMA: Dict[str, Any] = {
    "type": "object",
    "required": ["task_id", "scene", "state", "output_prefix", "frames", "updated"],
    "properties": {
        "schema": {"type": "integer", "minimum": 1},
        "task_id": {"type": "string", "minLength": 1},
        "scene": {"type": "string"},
        "state": {"enum": list(TASK_STATES)},
        "output_prefix": {"type": "string", "minLength": 1},
        "message": {"type": "string"},
        "updated": {"type": "string"},
        "frames": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["frame", "state", "outputs"],
                "properties": {
                    "frame": {"type": ["string", "integer"]},
                    "state": {"enum": list(FRAME_STATES)},
                    "outputs": {"type": "array", "items": {"type": "string", "minLength": 1}},
                    "message": {"type": "string"},
                },
            },
        },
    },
}

TASK_SCHEMA: Dict[str, Any] = {
    "type": "object",
    "required": ["task_id", "scene", "host", "host_version", "renderer", "frames"],
    "properties": {
        "schema": {"type": "integer", "minimum": 1},
        "task_id": {"type": "string", "minLength": 1},
        "scene": {"type": "string", "minLength": 1},
        "scene_name": {"type": "string", "minLength": 1},
        "host": {"type": "string", "minLength": 1},
        "host_version": {"type": "string"},
        "renderer": {"type": "string", "minLength": 1},
        "renderer_version": {"type": "string"},
        "frames": {"type": ["string", "array"], "items": {"type": "integer"}},
        "layers": {"type": "array", "items": {"type": "string"}},
        "cameras": {"type": "array", "items": {"type": "string"}},
        "extra": {"type": "object"},
    },
}

_validators: Dict[str, Callable[[Any], Any]] = {}


def _validator(name: str, schema: Dict[str, Any]) -> Callable[[Any], Any]:
    """Compile a schema once, on first use (keeps ``import rfsync_core`` cheap)."""
    if name not in _validators:
        _validators[name] = fastjsonschema.compile(schema)
    return _validators[name]


# -- keys ------------------------------------------------------------------


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


OUTPUT_PREFIX = "output/"


def status_key(task_id: str) -> str:
    return f"tasks/{check_task_id(task_id)}/status.json"


def config_prefix(task_id: str) -> str:
    return f"tasks/{check_task_id(task_id)}/cfg/"


def config_key(task_id: str, name: str) -> str:
    return config_prefix(task_id) + name


def safe_scene_name(name: str) -> str:
    """The scene part of an output folder name: unsafe characters become ``_``."""
    cleaned = _UNSAFE_NAME_CHARS.sub("_", name.strip()) or "scene"
    return "_" + cleaned if cleaned in (".", "..") else cleaned


def output_prefix_for(task_id: str, scene_name: str) -> str:
    return f"output/{check_task_id(task_id)}_{safe_scene_name(scene_name)}/"


def scene_name_from_path(scene: str) -> str:
    """``/D/proj/sh010.ma`` → ``sh010``."""
    base = scene.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[0] if "." in base[1:] else base


def expand_frames(spec: Union[str, Sequence[int]]) -> List[str]:
    """A frame list (``"1-10"``, ``"1-10x2,15"``, ``[1, 2]``) as frame strings, first appearance order."""
    out: List[str] = []
    seen = set()

    def add(n: int) -> None:
        if n not in seen:
            if len(out) >= MAX_FRAMES:
                raise ValueError(f"more than {MAX_FRAMES} frames")
            seen.add(n)
            out.append(str(n))

    if isinstance(spec, str):
        for item in spec.split(","):
            if not item.strip():
                continue
            m = _FRAME_ITEM.match(item)
            if not m:
                raise ValueError(f"bad frame list item {item.strip()!r} (use N, A-B or A-BxSTEP)")
            start = int(m.group(1))
            end = int(m.group(2)) if m.group(2) is not None else start
            step = int(m.group(3)) if m.group(3) else 1
            if step <= 0 or end < start:
                raise ValueError(f"bad frame range {item.strip()!r}")
            for n in range(start, end + 1, step):
                add(n)
    else:
        for n in spec:
            if isinstance(n, bool) or not isinstance(n, int):
                raise ValueError(f"bad frame {n!r} (frames are integers)")
            add(n)
    if not out:
        raise ValueError("the frame list is empty")
    return out


# -- documents ---------------------------------------------------------------


@dataclass(frozen=True)
class FrameStatus:
    """One frame as the farm reports it."""

    frame: str
    state: str
    outputs: Tuple[str, ...] = ()
    message: str = ""

    @property
    def done(self) -> bool:
        return self.state == "done"

    @property
    def failed(self) -> bool:
        return self.state == "failed"


@dataclass(frozen=True)
class TaskStatus:
    """A task's ``status.json`` (or the implied ``waiting`` state of a submitted, unseen task)."""

    task_id: str
    scene: str
    state: str
    output_prefix: str
    frames: Tuple[FrameStatus, ...] = ()
    updated: str = ""
    message: str = ""
    schema: int = PROTOCOL_VERSION
    submitted_only: bool = False
    """True when no status.json exists yet (configs uploaded, farm has not picked the task up)."""
    extra: Dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def ended(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def frames_done(self) -> int:
        return sum(1 for f in self.frames if f.done)

    @property
    def frames_failed(self) -> int:
        return sum(1 for f in self.frames if f.failed)

    @property
    def folder_name(self) -> str:
        """``<task_id>_<scene>``: the output prefix without ``output/`` and the trailing slash."""
        return self.output_prefix[len("output/"):].strip("/")

    def summary(self) -> str:
        """'task 123: 4/10 frames done' (+ failed count and final state)."""
        text = f"task {self.task_id}: {self.frames_done}/{len(self.frames)} frames done"
        if self.frames_failed:
            text += f", {self.frames_failed} failed"
        if self.submitted_only:
            text += " (waiting for the farm)"
        elif self.ended:
            text += f" ({self.state})"
        return text


def _load_document(data: Union[bytes, str], where: str, name: str, schema: Dict[str, Any]) -> Any:
    """JSON text checked against ``schema``; any problem is a FarmError starting with ``where``."""
    try:
        doc = json.loads(data)
    except (ValueError, UnicodeDecodeError) as err:
        raise FarmError(f"{where} is not valid JSON: {err}") from None
    try:
        _validator(name, schema)(doc)
    except fastjsonschema.JsonSchemaValueException as err:
        raise FarmError(f"{where}: {err.message.replace('data', 'document', 1)}") from None
    return doc


def parse_task_status(data: Union[bytes, str], task_id: str) -> TaskStatus:
    """Parse and validate a status document; FarmError names the task and the problem."""
    task_id = check_task_id(task_id)
    where = f"task {task_id}: status.json"
    doc = _load_document(data, where, "status", STATUS_SCHEMA)
    schema = int(doc.get("schema", 1))
    if schema > PROTOCOL_VERSION:
        raise FarmError(f"{where}: schema version {schema} is newer than this rfsync understands "
                        f"({PROTOCOL_VERSION}); update rfsync")
    if doc["task_id"] != task_id:
        raise FarmError(f"{where}: its task_id is {doc['task_id']!r}, expected {task_id!r}")
    prefix = doc["output_prefix"]
    segments = prefix.split("/")[1:-1]
    if not (prefix.startswith("output/") and prefix.endswith("/") and segments) or any(
        seg in ("", ".", "..") or "\\" in seg or "\x00" in seg for seg in segments
    ):
        raise FarmError(f"{where}: output_prefix {prefix!r} must look like 'output/<task_id>_<scene>/'")
    frames = []
    seen = set()
    for i, f in enumerate(doc["frames"]):
        name = str(f["frame"]).strip()
        if not name:
            raise FarmError(f"{where}: frames[{i}] has an empty frame number")
        if name in seen:
            raise FarmError(f"{where}: frame {name} is listed twice")
        seen.add(name)
        frames.append(FrameStatus(name, f["state"], tuple(f["outputs"]), f.get("message", "")))
    known = {"schema", "task_id", "scene", "state", "output_prefix", "frames", "updated", "message"}
    return TaskStatus(
        task_id=task_id,
        scene=doc["scene"],
        state=doc["state"],
        output_prefix=prefix,
        frames=tuple(frames),
        updated=doc["updated"],
        message=doc.get("message", ""),
        schema=schema,
        extra={k: v for k, v in doc.items() if k not in known},
    )


def task_status_document(status: TaskStatus) -> Dict[str, Any]:
    """The JSON form of a status (what a farm writes)."""
    doc: Dict[str, Any] = dict(status.extra)
    doc.update({
        "schema": status.schema,
        "task_id": status.task_id,
        "scene": status.scene,
        "state": status.state,
        "output_prefix": status.output_prefix,
        "frames": [
            {"frame": f.frame, "state": f.state, "outputs": list(f.outputs),
             **({"message": f.message} if f.message else {})}
            for f in status.frames
        ],
        "updated": status.updated,
    })
    if status.message:
        doc["message"] = status.message
    return doc


def read_task_status(storage: Storage, task_id: Union[str, int]) -> TaskStatus:
    """The task's current status from the farm storage.

    Absent ``status.json`` with configs present → a ``waiting`` status
    (``submitted_only``); absent both → :class:`TaskNotFoundError`.
    """
    tid = check_task_id(task_id)
    try:
        data = storage.get_bytes(status_key(tid))
    except NotFoundError:
        pass
    else:
        return parse_task_status(data, tid)
    if not task_submitted(storage, tid):
        raise TaskNotFoundError(
            f"task {tid} is unknown on {storage.name}: no {status_key(tid)} and no {config_prefix(tid)}*"
        )
    return TaskStatus(task_id=tid, scene="", state="waiting", output_prefix=f"output/{tid}_/",
                      submitted_only=True)


def task_submitted(storage: Storage, task_id: str) -> bool:
    """True when any configuration file of the task exists."""
    return next(iter(storage.list(config_prefix(task_id))), None) is not None


@dataclass(frozen=True)
class TaskConfig:
    """What the farm reads from ``task.json``."""

    task_id: str
    scene: str
    scene_name: str
    host: str
    host_version: str
    renderer: str
    frames: Tuple[str, ...]
    layers: Tuple[str, ...] = ()
    cameras: Tuple[str, ...] = ()
    renderer_version: str = ""
    extra: Dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def output_prefix(self) -> str:
        return output_prefix_for(self.task_id, self.scene_name)


def parse_task_config(data: Union[bytes, str], task_id: str) -> TaskConfig:
    """Parse and validate ``task.json``; FarmError names the task and the problem."""
    task_id = check_task_id(task_id)
    where = f"task {task_id}: task.json"
    doc = _load_document(data, where, "task", TASK_SCHEMA)
    if doc["task_id"] != task_id:
        raise FarmError(f"{where}: its task_id is {doc['task_id']!r}, expected {task_id!r}")
    try:
        frames = expand_frames(doc["frames"])
    except ValueError as err:
        raise FarmError(f"{where}: frames: {err}") from None
    return TaskConfig(
        task_id=task_id,
        scene=doc["scene"],
        scene_name=doc.get("scene_name") or scene_name_from_path(doc["scene"]),
        host=doc["host"],
        host_version=doc["host_version"],
        renderer=doc["renderer"],
        renderer_version=doc.get("renderer_version", ""),
        frames=tuple(frames),
        layers=tuple(doc.get("layers", ())),
        cameras=tuple(doc.get("cameras", ())),
        extra=dict(doc.get("extra", {})),
    )


def task_config_document(
    task_id: str,
    scene: str,
    *,
    host: str,
    host_version: str,
    renderer: str,
    frames: Union[str, Sequence[int]],
    scene_name: Optional[str] = None,
    layers: Sequence[str] = (),
    cameras: Sequence[str] = (),
    renderer_version: str = "",
    extra: Optional[Dict[str, Any]] = None,
) -> Dict[str, Any]:
    """A valid ``task.json`` document (host plugins and the demo use this)."""
    doc: Dict[str, Any] = {
        "schema": PROTOCOL_VERSION,
        "task_id": check_task_id(task_id),
        "scene": scene,
        "scene_name": scene_name or scene_name_from_path(scene),
        "host": host,
        "host_version": host_version,
        "renderer": renderer,
        "frames": frames if isinstance(frames, str) else list(frames),
        "layers": list(layers),
        "cameras": list(cameras),
    }
    if renderer_version:
        doc["renderer_version"] = renderer_version
    if extra:
        doc["extra"] = dict(extra)
    parse_task_config(json.dumps(doc), doc["task_id"])  # never hand out an invalid document
    return doc
