"""The configuration documents a client submits: ``task.json``, ``asset.json``, ``tips.json`` (§3).

One builder per document, used by the host plugins (``app.tasks``) and ``rfsync demo`` alike, so
every client writes the same shapes; each builder checks its result against the schema, so an
invalid document is never handed out. Pure data: callers turn local paths into server paths
(``paths.local_to_server``) and read file sizes; ``upload.json`` is :mod:`rfsync_core.manifest`'s.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from ..errors import FarmError
from ._docs import check_document, load_document
from .frames import expand_frames
from .ids import check_task_id
from .layout import ASSET_CONFIG, PROTOCOL_VERSION, TASK_CONFIG, TIPS_CONFIG, output_prefix_for, scene_name_from_path

__all__ = ["ASSET_SCHEMA", "TASK_SCHEMA", "TIPS_SCHEMA", "TaskConfig", "asset_config_document",
           "parse_asset_config", "parse_task_config", "parse_tips_config", "task_config_document",
           "tips_config_document"]

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

ASSET_SCHEMA: Dict[str, Any] = {
    "type": "object",
    "required": ["schema", "task_id", "scene", "count", "bytes", "assets"],
    "properties": {
        "schema": {"type": "integer", "minimum": 1},
        "task_id": {"type": "string", "minLength": 1},
        "scene": {"type": "string"},
        "count": {"type": "integer", "minimum": 0},
        "bytes": {"type": "integer", "minimum": 0},
        "assets": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["local", "server", "size"],
                "properties": {
                    "local": {"type": "string", "minLength": 1},
                    "server": {"type": "string", "minLength": 1},
                    "size": {"type": "integer", "minimum": 0},
                },
            },
        },
    },
}

TIPS_SCHEMA: Dict[str, Any] = {
    "type": "object",
    "required": ["schema", "task_id", "missing", "warnings"],
    "properties": {
        "schema": {"type": "integer", "minimum": 1},
        "task_id": {"type": "string", "minLength": 1},
        "missing": {"type": "array", "items": {"type": "string"}},
        "warnings": {"type": "array", "items": {"type": "string"}},
        "preflight": {
            "type": "object",
            "required": ["files", "bytes", "findings"],
            "properties": {
                "files": {"type": "integer", "minimum": 0},
                "bytes": {"type": "integer", "minimum": 0},
                "findings": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["severity", "code", "files", "message"],
                        "properties": {
                            "severity": {"enum": ["error", "warning", "info"]},
                            "code": {"type": "string", "minLength": 1},
                            "files": {"type": "array", "items": {"type": "string"}},
                            "message": {"type": "string"},
                            "sources": {"type": "array", "items": {"type": "string"}},
                        },
                    },
                },
            },
        },
    },
}


# -- task.json -------------------------------------------------------------------------------------

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


def _check_task_id_of(doc: Dict[str, Any], where: str, task_id: str) -> None:
    if doc["task_id"] != task_id:
        raise FarmError(f"{where}: its task_id is {doc['task_id']!r}, expected {task_id!r}")


def parse_task_config(data: Union[bytes, str], task_id: str) -> TaskConfig:
    """Parse and validate ``task.json``; FarmError names the task and the problem."""
    task_id = check_task_id(task_id)
    where = f"task {task_id}: {TASK_CONFIG}"
    doc = load_document(data, where, "task", TASK_SCHEMA)
    _check_task_id_of(doc, where, task_id)
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
    """A valid ``task.json`` document (``scene`` is the scene's server path)."""
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


# -- asset.json and tips.json ------------------------------------------------------------------

def asset_config_document(task_id: str, scene: str, assets: Iterable[Tuple[str, str, int]]) -> Dict[str, Any]:
    """A valid ``asset.json``: the analysis result, every asset as ``(local, server path, size)``.

    ``scene`` is the scene's server path; ``count`` and ``bytes`` are the totals of ``assets``
    (kept in the given order), so the farm can check the upload is whole without listing ``input/``.
    """
    tid = check_task_id(task_id)
    entries: List[Dict[str, Any]] = []
    total = 0
    for local, server, size in assets:
        entries.append({"local": local, "server": server, "size": int(size)})
        total += int(size)
    doc = {"schema": PROTOCOL_VERSION, "task_id": tid, "scene": scene, "count": len(entries),
           "bytes": total, "assets": entries}
    return dict(check_document(doc, f"task {tid}: {ASSET_CONFIG}", "asset", ASSET_SCHEMA))


def tips_config_document(task_id: str, missing: Iterable[str] = (), warnings: Iterable[str] = (),
                         preflight: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """A valid ``tips.json``: files the scene needs that were not found, the analysis warnings, and the
    preflight report the artist saw (``PreflightReport.as_dict()``), so the farm sees it too."""
    tid = check_task_id(task_id)
    doc: Dict[str, Any] = {"schema": PROTOCOL_VERSION, "task_id": tid, "missing": list(missing),
                           "warnings": list(warnings)}
    if preflight is not None:
        doc["preflight"] = preflight
    return dict(check_document(doc, f"task {tid}: {TIPS_CONFIG}", "tips", TIPS_SCHEMA))


def _parse_config(data: Union[bytes, str], task_id: str, name: str, kind: str,
                  schema: Dict[str, Any]) -> Dict[str, Any]:
    tid = check_task_id(task_id)
    where = f"task {tid}: {name}"
    doc = load_document(data, where, kind, schema)
    _check_task_id_of(doc, where, tid)
    return dict(doc)


def parse_asset_config(data: Union[bytes, str], task_id: str) -> Dict[str, Any]:
    """``asset.json`` checked against :data:`ASSET_SCHEMA` (what a farm may read)."""
    return _parse_config(data, task_id, ASSET_CONFIG, "asset", ASSET_SCHEMA)


def parse_tips_config(data: Union[bytes, str], task_id: str) -> Dict[str, Any]:
    """``tips.json`` checked against :data:`TIPS_SCHEMA` (what a farm may read)."""
    return _parse_config(data, task_id, TIPS_CONFIG, "tips", TIPS_SCHEMA)
