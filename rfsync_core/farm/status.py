"""``status.json``: the farm's progress report (docs/farm-protocol.md §4, §5), read strictly.

The farm reports progress only through this document, so reading it strictly is what keeps
auto-download honest: a malformed document is a :class:`~rfsync_core.errors.FarmError` naming
the task and the problem, and an unknown task id is a
:class:`~rfsync_core.errors.TaskNotFoundError` at once, never an endless wait. No I/O retries
here (callers wrap reads in ``retry_call``), and nothing about local files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Dict, Tuple, Union

from ..errors import FarmError, NotFoundError, TaskNotFoundError
from ._docs import load_document
from .ids import check_task_id
from .layout import (
    PROTOCOL_VERSION,
    config_prefix,
    is_output_prefix,
    output_folder_name,
    pending_output_prefix,
    status_key,
    task_prefix,
)

if TYPE_CHECKING:  # pragma: no cover
    from ..storage.base import Storage

__all__ = ["FINAL_STATES", "FRAME_STATES", "STATUS_SCHEMA", "TASK_STATES", "FrameStatus", "TaskStatus",
           "parse_task_status", "read_task_status", "task_id_used", "task_status_document", "task_submitted"]

TASK_STATES = ("waiting", "rendering", "done", "failed", "stopped")
FINAL_STATES = frozenset({"done", "failed", "stopped"})
FRAME_STATES = ("waiting", "rendering", "done", "failed")

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
        return output_folder_name(self.output_prefix)

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


def parse_task_status(data: Union[bytes, str], task_id: str) -> TaskStatus:
    """Parse and validate a status document; FarmError names the task and the problem."""
    task_id = check_task_id(task_id)
    where = f"task {task_id}: status.json"
    doc = load_document(data, where, "status", STATUS_SCHEMA)
    schema = int(doc.get("schema", 1))
    if schema > PROTOCOL_VERSION:
        raise FarmError(f"{where}: schema version {schema} is newer than this rfsync understands "
                        f"({PROTOCOL_VERSION}); update rfsync")
    if doc["task_id"] != task_id:
        raise FarmError(f"{where}: its task_id is {doc['task_id']!r}, expected {task_id!r}")
    prefix = doc["output_prefix"]
    if not is_output_prefix(prefix):
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
    """The JSON form of a status (what a farm writes; the farm emulator writes this)."""
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
    return TaskStatus(task_id=tid, scene="", state="waiting", output_prefix=pending_output_prefix(tid),
                      submitted_only=True)


def task_submitted(storage: Storage, task_id: str) -> bool:
    """True when any configuration file of the task exists (§5: the task is known, maybe not picked up)."""
    return next(iter(storage.list(config_prefix(task_id))), None) is not None


def task_id_used(storage: Storage, task_id: str) -> bool:
    """True when anything exists under ``tasks/<id>/`` (§2: a client submits only an unused id)."""
    return next(iter(storage.list(task_prefix(task_id))), None) is not None
