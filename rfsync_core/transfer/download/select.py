"""What a download call fetches: a task's done frames, its other outputs, or sub-trees of ``output/``.

Inside the engine a sub-tree of ``output/`` is an *output subpath* (``901_sh/beauty``); it is not a
manifest's server path (``/D/proj/a.exr``). The public keywords (``server_paths``) keep their names.
"""

from __future__ import annotations

from typing import Dict, Iterable, List, Optional, Sequence, Set

from ...errors import NotFoundError, RfsyncError, TransferCancelled, UnsafePathError
from ...farm import OUTPUT_PREFIX, TaskStatus
from ...storage.base import ObjectInfo
from .part import PART_SUFFIX
from .result import Item
from .run import Run

_OUTPUT = OUTPUT_PREFIX.rstrip("/")


def normalize_output_subpath(server_path: str) -> str:
    """A ``server_path`` relative to ``output/`` (``/output/`` and slashes tolerated); UnsafePathError if bad."""
    text = str(server_path).strip().replace("\\", "/").strip("/")
    if text == _OUTPUT or text.startswith(OUTPUT_PREFIX):
        text = text[len(_OUTPUT):].strip("/")
    if not text:
        raise UnsafePathError(f"server_path {server_path!r} is empty (name a folder under output/)")
    if any(part in ("", ".", "..") for part in text.split("/")) or ":" in text.split("/")[0] or "\x00" in text:
        raise UnsafePathError(f"server_path {server_path!r} must be a plain relative path under output/")
    return text


def is_temp_name(key: str) -> bool:
    """Names a farm or an engine uses while writing (see docs/farm-protocol.md §4)."""
    name = key.rsplit("/", 1)[-1]
    return name.startswith(".") or name.endswith((".tmp", PART_SUFFIX))


def is_hidden(key: str) -> bool:
    """A last segment starting with ``.``: skipped in listings, and reported (see :meth:`Run.note_hidden`)."""
    return key.rsplit("/", 1)[-1].startswith(".")


def _without_temp(run: Run, where: str, infos: List[ObjectInfo]) -> List[ObjectInfo]:
    """``infos`` minus temporary names; the hidden ones among them are counted for the user."""
    kept = [i for i in infos if not is_temp_name(i.key)]
    run.note_hidden(where, sum(1 for i in infos if is_hidden(i.key)))
    return kept


def selected(key: str, prefix: str, output_subpaths: Sequence[str]) -> bool:
    """True when ``key`` lies in one of the sub-trees (relative to ``output/`` or to the task's prefix)."""
    for sub in output_subpaths:
        for base in (OUTPUT_PREFIX + sub, prefix + sub):
            if key == base or key.startswith(base + "/"):
                return True
    return False


def task_items(run: Run, status: TaskStatus, flat: bool, everything: bool,
               output_subpaths: Sequence[str], frames: Optional[Iterable[str]] = None) -> List[Item]:
    """Items for the done frames of ``status`` (only ``frames`` if given), plus, when ``everything``,
    the files under its output prefix that belong to no frame."""
    prefix = status.output_prefix
    base = prefix if flat else OUTPUT_PREFIX
    wanted = set(frames) if frames is not None else None
    frame_keys: Set[str] = set()
    keys: List[str] = []
    for f in status.frames:
        frame_keys.update(f.outputs)
        if f.done and (wanted is None or f.frame in wanted):
            keys.extend(f.outputs)
    listed: Dict[str, ObjectInfo] = {}
    infos: List[ObjectInfo] = []
    if everything:
        try:
            infos = run.list(prefix)
        except TransferCancelled:
            raise
        except RfsyncError as err:
            run.fail(prefix, f"task {status.task_id}: cannot list its outputs: {err}")
        for info in _without_temp(run, f"task {status.task_id}", infos):
            listed[info.key] = info
            if info.key not in frame_keys:
                keys.append(info.key)
    items = []
    for key in dict.fromkeys(keys):
        if not key.startswith(prefix):
            run.fail(key, f"task {status.task_id}: output is not under the task's output prefix {prefix}")
            continue
        if output_subpaths and not selected(key, prefix, output_subpaths):
            continue
        items.append(Item(key, key[len(base):], listed.get(key)))
    return items


def subpath_items(run: Run, output_subpath: str, flat: bool) -> List[Item]:
    """Items for one sub-tree (or one file) under ``output/``."""
    key = OUTPUT_PREFIX + output_subpath
    try:
        try:
            infos = [run.head(key)]  # a single file (checked first: a folder cannot list a file)
        except NotFoundError:
            infos = _without_temp(run, key, run.list(key + "/"))
    except TransferCancelled:
        raise
    except RfsyncError as err:
        run.fail(key, str(err))
        return []
    if not infos:
        run.fail(key, "nothing found at this server_path")
        return []
    items = []
    for info in infos:
        rel = info.key[len(OUTPUT_PREFIX):]
        if flat:
            rel = rel.split("/", 1)[1] if "/" in rel else rel
        items.append(Item(info.key, rel, info))
    return items


def report_frames(run: Run, status: TaskStatus) -> None:
    """Failed frames always; frames never rendered once the task has ended."""
    for f in status.frames:
        if f.failed:
            run.fail_frame(status.task_id, f.frame, "failed on the farm" + (f": {f.message}" if f.message else ""))
        elif status.ended and not f.done:
            run.fail_frame(status.task_id, f.frame, f"not rendered (task {status.state})")
    if status.state == "failed" and not status.frames_failed:
        run.fail(f"task {status.task_id}", "the farm marked the task failed"
                 + (f": {status.message}" if status.message else ""))
