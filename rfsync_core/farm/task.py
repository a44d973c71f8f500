"""What a task asks of the farm: ``task.json`` (parsed strictly) and the documents a client writes
beside it (``asset.json``, ``tips.json``), built in one place for the host plugins and ``rfsync demo``."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from ..errors import FarmError
from .layout import check_task_id, output_prefix_for, scene_name_from_path
from .schemas import PROTOCOL_VERSION, TASK_SCHEMA, load_document

__all__ = ["MAX_FRAMES", "TaskConfig", "asset_document", "expand_frames", "parse_task_config",
           "task_config_document", "tips_document"]

_FRAME_ITEM = re.compile(r"^\s*(-?\d+)\s*(?:-\s*(-?\d+)\s*(?:[xX:]\s*(\d+)\s*)?)?$")
MAX_FRAMES = 1_000_000


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
    doc = load_document(data, where, "task", TASK_SCHEMA)
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


def asset_document(task_id: str, scene: str, assets: Iterable[Tuple[str, str, int]]) -> Dict[str, Any]:
    """``asset.json``: every asset as ``{"local", "server", "size"}`` with the count and total bytes.

    ``scene`` is the scene's server path; ``assets`` are (local path, server path, size) triples.
    """
    entries = [{"local": local, "server": server, "size": size} for local, server, size in assets]
    return {"schema": PROTOCOL_VERSION, "task_id": check_task_id(task_id), "scene": scene,
            "count": len(entries), "bytes": sum(e["size"] for e in entries), "assets": entries}


def tips_document(task_id: str, missing: Sequence[str] = (), warnings: Sequence[str] = ()) -> Dict[str, Any]:
    """``tips.json``: what the render may lack (missing files, warnings), for the farm and the artist."""
    return {"schema": PROTOCOL_VERSION, "task_id": check_task_id(task_id),
            "missing": list(missing), "warnings": list(warnings)}
