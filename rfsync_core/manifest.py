"""The ``upload.json`` model: load with precise errors, save atomically and canonically, cut, append.

Format (the seed's): ``{"scene": [{"local", "server", "hash"?}], "asset": [{"local", "server"}]}``.
Files without ``scene`` (or ``asset``) are read; unknown top-level keys and unknown keys inside
entries are kept and written back.

Canonical form (what :meth:`UploadManifest.save` and :func:`cutting_upload` write, so equal content
gives equal bytes): UTF-8 with non-ASCII as is, top-level keys sorted, each at a two-space indent;
a top-level list holds one element per line at a four-space indent, each element compact JSON with
sorted keys; other values compact JSON on one line; ``asset`` and ``scene`` always present; ``\\n``
line ends and a trailing newline. One entry per line keeps diffs and ``grep`` useful and lets the
writer serialise every entry once with the C encoder (that is what makes big cuts fast).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import stat
from dataclasses import dataclass, field
from typing import IO, Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

from .errors import LocalPathError, ManifestError
from .paths import local_to_server
from .storage.folder import fsync_dir as _fsync_dir

__all__ = [
    "CUT_MARKER",
    "UploadManifest",
    "append_to_upload",
    "cutting_upload",
    "load_manifest",
]

PathArg = Union[str, "os.PathLike[str]"]

#: Top-level key written into every part by :func:`cutting_upload`; a later cut removes only
#: leftover ``<stem>_<n>.json`` files that carry it with the same ``source``.
CUT_MARKER = "rfsync_cut"

_LIST_KEYS = ("asset", "scene")
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
_encode = _ENCODER.encode
_esc: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- model


@dataclass
class UploadManifest:
    """An ``upload.json`` in memory. ``extra`` holds unknown top-level keys, kept on save."""

    scene: List[Dict[str, Any]] = field(default_factory=list)
    asset: List[Dict[str, Any]] = field(default_factory=list)
    extra: Dict[str, Any] = field(default_factory=dict)

    def entries(self) -> Iterator[Tuple[str, str]]:
        """``(local, server)`` of every scene entry, then every asset entry."""
        for entry in self.scene:
            yield entry["local"], entry["server"]
        for entry in self.asset:
            yield entry["local"], entry["server"]

    def server_paths(self) -> set:
        """Every server path listed (scene and asset): what ``append`` compares against."""
        return {server for _, server in self.entries()}

    def to_dict(self) -> Dict[str, Any]:
        doc: Dict[str, Any] = dict(self.extra)
        doc["scene"] = self.scene
        doc["asset"] = self.asset
        return doc

    @classmethod
    def from_dict(cls, data: Any, source: str = "<data>") -> UploadManifest:
        """Validate a parsed document; :class:`ManifestError` names ``source``, the entry and the fault."""
        if not isinstance(data, dict):
            raise ManifestError(f"{source}: top level must be a JSON object, not {_kind(data)}")
        lists: Dict[str, List[Dict[str, Any]]] = {}
        for key in _LIST_KEYS:
            value = data.get(key, [])
            if not isinstance(value, list):
                raise ManifestError(f"{source}: {key!r} must be a list, not {_kind(value)}")
            for index, entry in enumerate(value):
                fault = _entry_fault(entry)
                if fault:
                    raise ManifestError(f"{source}: {key}[{index}] {fault}")
            lists[key] = value
        extra = {k: v for k, v in data.items() if k not in _LIST_KEYS}
        return cls(scene=lists["scene"], asset=lists["asset"], extra=extra)

    def save(self, path: PathArg) -> str:
        """Write atomically (temp file in the same folder, fsync, ``os.replace``) in canonical form.

        Entries are checked first (:class:`ManifestError` naming the entry), so an invalid manifest
        is never written. Returns the absolute path written.
        """
        target = os.path.abspath(os.fspath(path))
        for key in _LIST_KEYS:
            for index, entry in enumerate(getattr(self, key)):
                fault = _entry_fault(entry)
                if fault:
                    raise ManifestError(f"cannot save {target}: {key}[{index}] {fault}")
        doc = self.to_dict()
        _atomic_write(target, lambda fh: _write_document(fh, doc))
        return target


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def _entry_fault(entry: Any) -> str:
    """Why an entry is unusable ('' if it is fine). Same rule as the fast path of the cut."""
    if not isinstance(entry, dict):
        return f"must be an object with 'local' and 'server', not {_kind(entry)}"
    for key in ("local", "server"):
        value = entry.get(key)
        if not isinstance(value, str) or not value:
            got = "missing" if key not in entry else f"{_kind(value)} {value!r}"
            return f"{key!r} must be a non-empty string ({got})"
    return ""


def load_manifest(path: PathArg) -> UploadManifest:
    """Read and validate an ``upload.json``.

    :class:`ManifestError` for a missing or unreadable file, invalid JSON (file, line, column) and a
    wrong shape (file, ``asset[12]``, what is wrong). A UTF-8 byte-order mark is accepted.
    """
    name = os.fspath(path)
    try:
        with open(name, encoding="utf-8-sig") as fh:
            data = json.load(fh)
    except json.JSONDecodeError as err:
        raise ManifestError(
            f"{name}: invalid JSON at line {err.lineno}, column {err.colno}: {err.msg}"
        ) from None
    except UnicodeDecodeError as err:
        raise ManifestError(f"{name}: not UTF-8 text (byte {err.start}): {err.reason}") from None
    except FileNotFoundError:
        raise ManifestError(f"upload manifest not found: {name}") from None
    except IsADirectoryError:
        raise ManifestError(f"upload manifest is a folder, not a file: {name}") from None
    except OSError as err:
        raise ManifestError(f"cannot read upload manifest {name}: {err.strerror or err}") from None
    return UploadManifest.from_dict(data, name)


# --------------------------------------------------------------------------- canonical writing


class _Lines:
    """Pre-serialised elements of a top-level list: a view ``[start:stop]`` of a shared list."""

    __slots__ = ("lines", "start", "stop")

    def __init__(self, lines: List[str], start: int = 0, stop: Optional[int] = None) -> None:
        self.lines = lines
        self.start = start
        self.stop = len(lines) if stop is None else stop


def _entry_line(entry: Any) -> str:
    """Canonical one-line JSON of an element (fast path for the common two-key entry)."""
    if type(entry) is dict and len(entry) == 2:
        local = entry.get("local")
        server = entry.get("server")
        if type(local) is str and type(server) is str:
            return '{"local": ' + _esc(local) + ', "server": ' + _esc(server) + "}"
    return _encode(entry)


_BATCH = 4096


def _write_document(fh: IO[str], doc: Dict[str, Any]) -> None:
    """Write ``doc`` in the canonical form (see the module docstring)."""
    fh.write("{")
    for number, key in enumerate(sorted(doc)):
        fh.write(",\n  " if number else "\n  ")
        fh.write(_encode(key))
        fh.write(": ")
        value = doc[key]
        if isinstance(value, _Lines):
            lines, start, stop = value.lines, value.start, value.stop
        elif isinstance(value, list):
            lines, start, stop = [_entry_line(e) for e in value], 0, len(value)
        else:
            fh.write(_encode(value))
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


def _write_temp(target: str, write: Callable[[IO[str]], None]) -> str:
    """Write a complete, fsynced temp file beside ``target``; return its path (removed on failure).

    A new file gets the permissions the process umask gives (``os.open`` with 0o666, as ``open``
    would); a replaced file keeps its own.
    """
    folder, name = os.path.split(target)
    tmp = os.path.join(folder or ".", f".{name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
        except FileNotFoundError:
            pass
    except BaseException:
        _remove_quietly(tmp)
        raise
    return tmp


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def _atomic_write(target: str, write: Callable[[IO[str]], None]) -> None:
    folder = os.path.dirname(target) or "."
    if not os.path.isdir(folder):
        raise ManifestError(f"cannot write {target}: folder {folder} does not exist")
    try:
        tmp = _write_temp(target, write)
        try:
            os.replace(tmp, target)
        except BaseException:
            _remove_quietly(tmp)
            raise
    except OSError as err:
        raise ManifestError(f"cannot write {target}: {err.strerror or err}") from None
    _fsync_dir(folder)


# --------------------------------------------------------------------------- streaming reader


class _Fallback(Exception):
    """The fast reader met something it does not handle; the exact path (json.load) decides."""


_WS = re.compile(r"[ \t\n\r]*").match
_CHUNK = 1 << 20


class _StreamReader:
    """Reads one top-level JSON object from a text stream, handing list elements out in batches.

    Memory stays at about one chunk plus the caller's output. Elements of ``asset``/``scene`` are
    parsed in bulk with the C scanner: a candidate slice ends at a ``},`` and is accepted only if
    ``"[" + slice + "]"`` parses completely — a cut inside a string literal cannot parse that way,
    so accepted slices are exactly whole elements. Anything unexpected raises :class:`_Fallback`.
    """

    def __init__(self, fh: IO[str]) -> None:
        self.fh = fh
        self.buf = ""
        self.pos = 0
        self.base = 0  # absolute offset of buf[0]
        self.eof = False
        self.scan: Callable[[str, int], Tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]

    def _more(self, want: int = 0) -> bool:
        if self.eof:
            return False
        data = self.fh.read(max(want, _CHUNK))
        if not data:
            self.eof = True
            return False
        self.base += self.pos
        self.buf = self.buf[self.pos:] + data
        self.pos = 0
        return True

    def peek(self) -> str:
        """Skip whitespace; the next character, or '' at the end of the file."""
        while True:
            self.pos = _WS(self.buf, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if not self._more():
                return ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise _Fallback
        self.pos += 1

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                obj, end = self.scan(self.buf, self.pos)
            except (StopIteration, ValueError):
                if self._more(len(self.buf)):
                    continue
                raise _Fallback from None
            if end >= len(self.buf) and self._more(len(self.buf)):
                continue  # a number cut at the chunk's end would parse short: read on and retry
            self.pos = end
            return obj

    def stream_list(self, sink: Callable[[List[Any]], None]) -> None:
        self.expect("[")
        if self.peek() == "]":
            self.pos += 1
            return
        no_bulk_until = -1  # absolute offset of a ``},`` found to lie inside a string
        while True:
            if len(self.buf) - self.pos < _CHUNK:
                self._more()
            buf, pos = self.buf, self.pos
            if self.base + pos > no_bulk_until:
                cut = buf.rfind("},", pos)
                if cut > pos:
                    items: Any = None
                    try:
                        items, end = self.scan("[" + buf[pos:cut + 1] + "]", 0)
                    except (StopIteration, ValueError):
                        end = -1
                    if end == cut - pos + 3 and isinstance(items, list):
                        sink(items)
                        self.pos = cut + 2
                        self.peek()
                        continue
                    no_bulk_until = self.base + cut
            sink([self.value()])
            char = self.peek()
            if char == ",":
                self.pos += 1
                self.peek()
            elif char == "]":
                self.pos += 1
                return
            else:
                raise _Fallback

    def read_document(self, sinks: Dict[str, Callable[[List[Any]], None]]) -> Dict[str, Any]:
        """Parse the top-level object; list keys in ``sinks`` stream, the rest is returned."""
        others: Dict[str, Any] = {}
        seen = set()
        self.expect("{")
        char = self.peek()
        if char == "}":
            self.pos += 1
        while char != "}":
            if char != '"':
                raise _Fallback
            key = self.value()
            if key in seen:
                raise _Fallback  # duplicate keys: let json.load's rule (last wins) apply
            seen.add(key)
            self.expect(":")
            if key in sinks and self.peek() == "[":
                self.stream_list(sinks[key])
            else:
                others[key] = self.value()
            char = self.peek()
            self.pos += 1
            if char == ",":
                char = self.peek()
                if char == "}":
                    raise _Fallback  # trailing comma
            elif char != "}":
                raise _Fallback
        if self.peek() != "":
            raise _Fallback  # text after the document
        return others


def _line_sink(lines: List[str]) -> Callable[[List[Any]], None]:
    append = lines.append

    def sink(items: List[Any]) -> None:
        for entry in items:
            if type(entry) is not dict:
                raise _Fallback
            local = entry.get("local")
            server = entry.get("server")
            if type(local) is not str or type(server) is not str or not local or not server:
                raise _Fallback
            if len(entry) == 2:
                append('{"local": ' + _esc(local) + ', "server": ' + _esc(server) + "}")
            else:
                append(_encode(entry))

    return sink


def _read_lines(path: str) -> Tuple[List[str], List[str], Dict[str, Any]]:
    """``(scene_lines, asset_lines, extra)`` of a manifest, each entry serialised once.

    The streaming reader does the work; on anything it does not handle, :func:`load_manifest`
    reads the file the plain way and raises its precise error (or, if the file is fine after all,
    supplies the entries).
    """
    scene: List[str] = []
    asset: List[str] = []
    try:
        with open(path, encoding="utf-8-sig") as fh:
            extra = _StreamReader(fh).read_document({"scene": _line_sink(scene), "asset": _line_sink(asset)})
        if any(key in extra for key in _LIST_KEYS):
            raise _Fallback  # present but not a list
        return scene, asset, extra
    except (_Fallback, UnicodeDecodeError, OSError):
        pass
    del scene[:], asset[:]
    manifest = load_manifest(path)
    return (
        [_entry_line(e) for e in manifest.scene],
        [_entry_line(e) for e in manifest.asset],
        manifest.extra,
    )


# --------------------------------------------------------------------------- cut


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

    scene, asset, extra = _read_lines(source)
    source_name = os.path.basename(source)
    stem = os.path.splitext(source_name)[0]
    size = limit or max(len(asset), 1)
    count = max(1, -(-len(asset) // size))
    scene_view = _Lines(scene)
    targets = [os.path.join(out_dir, f"{stem}_{i}.json") for i in range(1, count + 1)]
    temps: List[str] = []
    try:
        for index, target in enumerate(targets):
            doc = dict(extra)
            doc[CUT_MARKER] = {"part": index + 1, "parts": count, "source": source_name}
            doc["scene"] = scene_view
            doc["asset"] = _Lines(asset, index * size, min((index + 1) * size, len(asset)))
            temps.append(_write_temp(target, lambda fh, d=doc: _write_document(fh, d)))  # type: ignore[misc]
        del scene[:], asset[:]
        for tmp, target in zip(temps, targets):
            os.replace(tmp, target)
    except OSError as err:
        raise ManifestError(f"cannot write parts into {out_dir}: {err.strerror or err}") from None
    finally:
        for tmp in temps:
            if os.path.exists(tmp):
                _remove_quietly(tmp)
    _fsync_dir(out_dir)
    _remove_stale_parts(out_dir, stem, source_name, count, source)
    return targets


# --------------------------------------------------------------------------- append


def _as_path_list(files_paths: Union[PathArg, Iterable[PathArg]]) -> List[str]:
    if isinstance(files_paths, (str, bytes)) or hasattr(files_paths, "__fspath__"):
        items: Sequence[Any] = [files_paths]
    else:
        items = list(files_paths)  # type: ignore[arg-type]
    out = []
    for item in items:
        path = os.fspath(item)
        if isinstance(path, bytes):
            raise LocalPathError(f"paths must be text, not bytes: {path!r}")
        if not path:
            raise LocalPathError("an empty path was given")
        out.append(os.path.abspath(path))
    return out


def _walk_files(folder: str) -> Iterator[str]:
    """Every file under ``folder``, hidden ones too: a folder's files by name, then its subfolders.

    Directory symlinks are followed (studios link texture libraries into projects), each real
    directory at most once (visited set of ``(st_dev, st_ino)``), so symlink loops end. Broken
    symlinks and special files are skipped.
    """
    visited = set()
    stack = [folder]
    while stack:
        current = stack.pop()
        try:
            info = os.stat(current)
        except OSError:
            continue
        ident = (info.st_dev, info.st_ino)
        if ident in visited:
            continue
        visited.add(ident)
        try:
            with os.scandir(current) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as err:
            raise LocalPathError(f"cannot read folder {current}: {err.strerror or err}") from None
        subdirs = []
        for entry in entries:
            try:
                if entry.is_dir():
                    subdirs.append(entry.path)
                elif entry.is_file():
                    yield entry.path
            except OSError:
                continue
        stack.extend(reversed(subdirs))


def append_to_upload(files_paths: Union[PathArg, Iterable[PathArg]], upload_path: PathArg) -> int:
    """Add files and folders (walked recursively) to ``upload_path``'s ``asset`` list; return how many.

    ``files_paths`` is one path or a list; relative paths are taken from the current folder. Each
    file becomes ``{"local": <absolute path>, "server": local_to_server(path)}``; entries whose
    server path is already listed (``scene`` or ``asset``) are skipped. Checks come first, so a
    failure writes nothing: every missing path is named in one :class:`LocalPathError`; an invalid
    existing manifest raises :class:`ManifestError` and stays untouched. A manifest without
    ``asset`` gets one. A manifest that does not exist yet is created (its folder must exist).
    The file is written atomically, and only when something was added or it did not exist.
    """
    target = os.path.abspath(os.fspath(upload_path))
    paths = _as_path_list(files_paths)
    missing = [p for p in paths if not os.path.exists(p)]
    if missing:
        raise LocalPathError(f"not found (nothing added to {target}): " + ", ".join(missing))
    exists = os.path.exists(target)
    manifest = load_manifest(target) if exists else UploadManifest()
    if not exists and not os.path.isdir(os.path.dirname(target)):
        raise ManifestError(f"cannot create {target}: folder {os.path.dirname(target)} does not exist")
    known = manifest.server_paths()
    added = 0
    for path in paths:
        for local in _walk_files(path) if os.path.isdir(path) else [path]:
            if os.path.abspath(local) == target:
                continue  # a folder that holds the manifest itself: never list the manifest as an asset
            server = local_to_server(local)
            if server in known:
                continue
            known.add(server)
            manifest.asset.append({"local": local, "server": server})
            added += 1
    if added or not exists:
        manifest.save(target)
    return added
