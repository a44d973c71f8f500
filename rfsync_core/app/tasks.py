"""What a host writes to submit a task: its work folder and the four config files of the farm."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Dict, Iterable, List, Optional

from .._files import write_json_atomic
from ..collect import CollectResult
from ..errors import FarmError, LocalPathError
from ..farm.configs import asset_config_document, task_config_document, tips_config_document
from ..farm.layout import ASSET_CONFIG, CONFIG_NAMES, TASK_CONFIG, TIPS_CONFIG, UPLOAD_CONFIG
from ..manifest import UploadManifest
from ..paths import local_to_server
from ..preflight import PreflightReport

__all__ = ["CONFIG_NAMES", "TaskInfo", "build_upload_manifest", "frame_list", "task_folder", "work_folder",
           "write_task_configs", "write_upload_manifest"]


# -- task folders and ids ----------------------------------------------------------------------

def work_folder(scene_path: str) -> str:
    """The scene's rfsync work folder: ``<scene dir>/rfsync/<scene name without extension>``."""
    scene = os.path.abspath(scene_path)
    stem = os.path.splitext(os.path.basename(scene))[0]
    return os.path.join(os.path.dirname(scene), "rfsync", stem)


def task_folder(scene_path: str, task_id: str) -> str:
    """Where a task's config files are written: ``<work folder>/<task_id>``."""
    return os.path.join(work_folder(scene_path), task_id)


# -- task config files ---------------------------------------------------------------------------

@dataclass
class TaskInfo:
    """What a host knows about the render it submits (the fields of ``task.json``)."""

    task_id: str
    scene: str
    """Local absolute path of the scene file."""
    host: str
    host_version: str
    renderer: str = ""
    renderer_version: str = ""
    frames: str = ""
    """A frame list as in docs/farm-protocol.md: ``"1-10"``, ``"1-10x2"``, ``"1,5,7-9"``."""
    layers: List[str] = field(default_factory=list)
    cameras: List[str] = field(default_factory=list)
    extra: Dict[str, Any] = field(default_factory=dict)

    @property
    def scene_name(self) -> str:
        return os.path.splitext(os.path.basename(self.scene))[0]


def frame_list(start: float, end: float, step: float = 1) -> str:
    """``"1-10"`` / ``"1-10x2"`` for a frame range (whole frames; step < 1 counts as 1)."""
    a, b, s = round(start), round(end), max(1, round(step))
    if b < a:
        a, b = b, a
    if a == b:
        return str(a)
    return f"{a}-{b}" + (f"x{s}" if s != 1 else "")


def _make_folder(folder: str) -> None:
    try:
        os.makedirs(folder, exist_ok=True)
    except OSError as err:
        raise LocalPathError(f"cannot create folder {folder}: {err.strerror or err}") from None


def _write_json(path: str, data: Any) -> None:
    try:
        write_json_atomic(path, data)
    except OSError as err:
        raise LocalPathError(f"cannot write {path}: {err.strerror or err}") from None


def build_upload_manifest(scene: Optional[str], assets: Iterable[str]) -> Any:
    """An :class:`~rfsync_core.manifest.UploadManifest`: the scene under ``scene``, the rest under ``asset``."""
    scene_entries = []
    if scene:
        scene_entries.append({"local": scene, "server": local_to_server(scene)})
    asset_entries = [{"local": p, "server": local_to_server(p)}
                     for p in sorted(set(assets)) if not scene or os.path.normcase(p) != os.path.normcase(scene)]
    return UploadManifest(scene=scene_entries, asset=asset_entries)


def write_upload_manifest(path: str, scene: Optional[str], assets: Iterable[str]) -> str:
    """Build and save ``upload.json`` at ``path`` (its folder is created); returns the absolute path."""
    _make_folder(os.path.dirname(os.path.abspath(path)))
    return str(build_upload_manifest(scene, assets).save(path))


def write_task_configs(folder: str, info: TaskInfo, collected: CollectResult,
                       preflight: Optional[PreflightReport] = None) -> Dict[str, str]:
    """Write ``upload.json``, ``task.json``, ``asset.json`` and ``tips.json`` into ``folder``.

    Returns ``{file name: path}``. ``task.json`` follows docs/farm-protocol.md §3
    (the scene as its server path); ``asset.json`` lists every asset with its
    size; ``tips.json`` lists the missing files and warnings so the farm (and
    the artist) can see what the render may lack. The documents come from
    :mod:`rfsync_core.farm.configs` (``rfsync demo`` writes its own through here too);
    this function adds the local part: server paths, file sizes, the files.
    """
    missing = [name for name, value in (("renderer", info.renderer), ("frame range", info.frames)) if not value]
    if missing:
        raise FarmError(f"cannot submit {info.scene}: the scene has no {' and no '.join(missing)} "
                        "(task.json needs them; set them in the render settings)")
    task = task_config_document(
        info.task_id, local_to_server(info.scene), host=info.host, host_version=info.host_version,
        renderer=info.renderer, renderer_version=info.renderer_version, frames=info.frames,
        scene_name=info.scene_name, layers=info.layers, cameras=info.cameras, extra=info.extra,
    )
    _make_folder(folder)
    paths = {name: os.path.join(folder, name) for name in CONFIG_NAMES}
    manifest = build_upload_manifest(info.scene, collected.found)
    manifest.save(paths[UPLOAD_CONFIG])
    _write_json(paths[TASK_CONFIG], task)
    assets = [(local, local_to_server(local), os.path.getsize(local) if os.path.isfile(local) else 0)
              for local in sorted(set(collected.found))]
    _write_json(paths[ASSET_CONFIG], asset_config_document(info.task_id, local_to_server(info.scene), assets))
    _write_json(paths[TIPS_CONFIG], tips_config_document(info.task_id, collected.missing, collected.warnings,
                                                         preflight.as_dict() if preflight is not None else None))
    return paths
