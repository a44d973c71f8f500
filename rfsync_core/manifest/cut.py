"""``cutting_upload``: an ``upload.json`` cut into self-contained parts of at most N assets."""

from __future__ import annotations

import json
import os
import re
from typing import Any, List, Optional

from .._files import AtomicFile, fsync_dir
from ..errors import ManifestError
from .model import PathArg
from .reader import read_lines
from .writer import Lines, write_temp

#: Top-level key written into every part by :func:`cutting_upload`; a later cut removes only
#: leftover ``<stem>_<n>.json`` files that carry it with the same ``source``.
CUT_MARKER = "rfsync_cut"


def _part_limit(max_resources_number: Any) -> Optional[int]:
    if max_resources_number is None:
        return None
    if isinstance(max_resources_number, bool):
        raise ManifestError(f"max_resources_number must be a whole number, not {max_resources_number!r}")
    try:
        limit = int(max_resources_number)
    except (TypeError, ValueError):
        raise ManifestError(
            f"max_resources_number must be a whole number, not {max_resources_number!r}"
        ) from None
    if isinstance(max_resources_number, float) and limit != max_resources_number:
        raise ManifestError(f"max_resources_number must be a whole number, not {max_resources_number!r}")
    return limit if limit > 0 else None


def _is_our_part(path: str, source_name: str) -> bool:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return False
    marker = data.get(CUT_MARKER) if isinstance(data, dict) else None
    return isinstance(marker, dict) and marker.get("source") == source_name


def _remove_stale_parts(out_dir: str, stem: str, source_name: str, count: int, original: str) -> None:
    pattern = re.compile(re.escape(stem) + r"_([1-9][0-9]*)\.json\Z")
    try:
        names = os.listdir(out_dir)
    except OSError:
        return
    for name in names:
        match = pattern.match(name)
        if not match or int(match.group(1)) <= count:
            continue
        path = os.path.join(out_dir, name)
        if os.path.normcase(os.path.realpath(path)) == os.path.normcase(os.path.realpath(original)):
            continue
        if _is_our_part(path, source_name):
            try:
                os.remove(path)
            except OSError as err:
                raise ManifestError(f"cannot remove leftover part {path}: {err.strerror or err}") from None


def cutting_upload(
    upload_path: PathArg,
    max_resources_number: Optional[int] = None,
    after_cutting_position: Optional[PathArg] = None,
) -> List[str]:
    """Cut an ``upload.json`` into parts ``<stem>_1.json``, ``<stem>_2.json`` … and return their paths.

    Returns the parts' absolute paths in order; the original is never among them nor changed.
    Parts go to ``after_cutting_position`` (created if missing), default the original's folder.

    - Each part holds at most ``max_resources_number`` ``asset`` entries, in the original order.
      ``None`` or ``<= 0`` means no limit: one part holding every asset.
    - Every part also holds *all* ``scene`` entries (not counted in the limit), so each part is a
      self-contained manifest (the upload records let later parts skip a scene already sent).
      Unknown top-level keys are copied into every part.
    - An exact multiple gives no empty extra part. A manifest with no assets gives one part (its
      scene), so the scene is never lost.
    - Each part carries ``"rfsync_cut": {"part": i, "parts": n, "source": "<original file name>"}``.
      After the new parts are in place, ``<stem>_<k>.json`` files in the output folder with ``k > n``
      that carry this marker for the same source name (leftovers of an earlier cut) are deleted;
      any other file is left alone. Files ``<stem>_1..n.json`` are replaced.
    - Parts are written as complete temp files first and renamed only when all are written: a
      failure while writing leaves the previous parts as they were (a failure between two of the
      final renames, e.g. the disk going away, can leave a mix of old and new parts).

    The file is read in a streaming way (each entry serialised once, kept as one compact line), so
    a cut needs about one ``json.load`` worth of time and memory about the file's size.
    """
    source = os.path.abspath(os.fspath(upload_path))
    limit = _part_limit(max_resources_number)
    if not os.path.isfile(source):
        if os.path.isdir(source):
            raise ManifestError(f"upload manifest is a folder, not a file: {source}")
        raise ManifestError(f"upload manifest not found: {source}")
    out_dir = os.path.abspath(os.fspath(after_cutting_position)) if after_cutting_position else (
        os.path.dirname(source)
    )
    try:
        os.makedirs(out_dir, exist_ok=True)
    except OSError as err:
        raise ManifestError(f"cannot create output folder {out_dir}: {err.strerror or err}") from None

    scene, asset, extra = read_lines(source)
    source_name = os.path.basename(source)
    stem = os.path.splitext(source_name)[0]
    size = limit or max(len(asset), 1)
    count = max(1, -(-len(asset) // size))
    scene_view = Lines(scene)
    targets = [os.path.join(out_dir, f"{stem}_{i}.json") for i in range(1, count + 1)]
    temps: List[AtomicFile] = []
    try:
        for index, target in enumerate(targets):
            doc = dict(extra)
            doc[CUT_MARKER] = {"part": index + 1, "parts": count, "source": source_name}
            doc["scene"] = scene_view
            doc["asset"] = Lines(asset, index * size, min((index + 1) * size, len(asset)))
            temps.append(write_temp(target, doc))
        del scene[:], asset[:]
        for temp in temps:
            temp.fsync = False  # each temp is fsynced already; one folder fsync after the last rename
            temp.replace()
    except OSError as err:
        raise ManifestError(f"cannot write parts into {out_dir}: {err.strerror or err}") from None
    finally:
        for temp in temps:
            temp.discard()  # removes only a temp not renamed
    fsync_dir(out_dir)
    _remove_stale_parts(out_dir, stem, source_name, count, source)
    return targets
