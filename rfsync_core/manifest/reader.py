"""The streaming reader of the cut: each entry of a big ``upload.json`` parsed and serialised once.

Memory stays at about one chunk of the file plus the entries' canonical lines, and the time at about
one ``json.load``; anything the fast path does not handle goes to :func:`load_manifest`, which gives
the precise error (or, if the file is fine after all, the entries).
"""

from __future__ import annotations

import json
import re
from typing import IO, Any, Callable, Dict, List, Tuple

from .model import LIST_KEYS, load_manifest
from .writer import encode, entry_line, escape


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
                append('{"local": ' + escape(local) + ', "server": ' + escape(server) + "}")
            else:
                append(encode(entry))

    return sink


def read_lines(path: str) -> Tuple[List[str], List[str], Dict[str, Any]]:
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
        if any(key in extra for key in LIST_KEYS):
            raise _Fallback  # present but not a list
        return scene, asset, extra
    except (_Fallback, UnicodeDecodeError, OSError):
        pass
    del scene[:], asset[:]
    manifest = load_manifest(path)
    return (
        [entry_line(e) for e in manifest.scene],
        [entry_line(e) for e in manifest.asset],
        manifest.extra,
    )
