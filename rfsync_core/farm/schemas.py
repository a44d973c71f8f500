"""The JSON schemas of ``status.json`` and ``task.json``, compiled once on first use."""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, Union

import fastjsonschema

from ..errors import FarmError

PROTOCOL_VERSION = 1
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


def load_document(data: Union[bytes, str], where: str, name: str, schema: Dict[str, Any]) -> Any:
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
