"""The canonical form of an ``upload.json`` and its atomic writing.

Canonical form (what :meth:`UploadManifest.save` and :func:`cutting_upload` write, so equal content
gives equal bytes): UTF-8 with non-ASCII as is, top-level keys sorted, each at a two-space indent;
a top-level list holds one element per line at a four-space indent, each element compact JSON with
sorted keys; other values compact JSON on one line; ``asset`` and ``scene`` always present; ``\\n``
line ends and a trailing newline. One entry per line keeps diffs and ``grep`` useful and lets the
writer serialise every entry once with the C encoder (that is what makes big cuts fast).

Files are written through :class:`rfsync_core._files.AtomicFile` (a fresh temp beside the target,
never following a link, fsynced, renamed over it), so a reader sees the old manifest or the new one.
"""

from __future__ import annotations

import json
import os
from typing import IO, Any, Callable, Dict, List, Optional

from .._files import AtomicFile
from ..errors import ManifestError

_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
encode = _ENCODER.encode
escape: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]


class Lines:
    """Pre-serialised elements of a top-level list: a view ``[start:stop]`` of a shared list."""

    __slots__ = ("lines", "start", "stop")

    def __init__(self, lines: List[str], start: int = 0, stop: Optional[int] = None) -> None:
        self.lines = lines
        self.start = start
        self.stop = len(lines) if stop is None else stop


def entry_line(entry: Any) -> str:
    """Canonical one-line JSON of an element (fast path for the common two-key entry)."""
    if type(entry) is dict and len(entry) == 2:
        local = entry.get("local")
        server = entry.get("server")
        if type(local) is str and type(server) is str:
            return '{"local": ' + escape(local) + ', "server": ' + escape(server) + "}"
    return encode(entry)


_BATCH = 4096


def write_document(fh: IO[str], doc: Dict[str, Any]) -> None:
    """Write ``doc`` in the canonical form (see the module docstring)."""
    fh.write("{")
    for number, key in enumerate(sorted(doc)):
        fh.write(",\n  " if number else "\n  ")
        fh.write(encode(key))
        fh.write(": ")
        value = doc[key]
        if isinstance(value, Lines):
            lines, start, stop = value.lines, value.start, value.stop
        elif isinstance(value, list):
            lines, start, stop = [entry_line(e) for e in value], 0, len(value)
        else:
            fh.write(encode(value))
            continue
        if start >= stop:
            fh.write("[]")
            continue
        fh.write("[\n    ")
        for batch in range(start, stop, _BATCH):
            if batch != start:
                fh.write(",\n    ")
            fh.write(",\n    ".join(lines[batch:min(batch + _BATCH, stop)]))
        fh.write("\n  ]")
    fh.write("\n}\n" if doc else "}\n")


def write_temp(target: str, doc: Dict[str, Any]) -> AtomicFile:
    """A complete, fsynced temp file of ``doc`` beside ``target``, not yet renamed (removed on failure).

    The caller renames it with ``.replace()``: :func:`cutting_upload` writes every part before
    renaming any. A replaced file keeps its permissions; a new one gets what the umask gives.
    """
    temp = AtomicFile(target, text=True)
    try:
        write_document(temp.file, doc)
        temp.finish()
    except BaseException:
        temp.discard()
        raise
    return temp


def save_document(target: str, doc: Dict[str, Any]) -> None:
    """Replace ``target`` with ``doc`` atomically; :class:`ManifestError` when it cannot be written."""
    folder = os.path.dirname(target) or "."
    if not os.path.isdir(folder):
        raise ManifestError(f"cannot write {target}: folder {folder} does not exist")
    try:
        write_temp(target, doc).replace()
    except OSError as err:
        raise ManifestError(f"cannot write {target}: {err.strerror or err}") from None
