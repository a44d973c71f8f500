"""The ``upload.json`` model: load with precise errors, check entries, save canonically.

Format (the seed's): ``{"scene": [{"local", "server", "hash"?}], "asset": [{"local", "server"}]}``.
Files without ``scene`` (or ``asset``) are read; unknown top-level keys and unknown keys inside
entries are kept and written back.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Tuple, Union

from ..errors import ManifestError
from .writer import save_document

PathArg = Union[str, "os.PathLike[str]"]

LIST_KEYS = ("asset", "scene")
"""The top-level lists of a manifest, in the canonical (sorted) order."""


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
        for key in LIST_KEYS:
            value = data.get(key, [])
            if not isinstance(value, list):
                raise ManifestError(f"{source}: {key!r} must be a list, not {_kind(value)}")
            for index, entry in enumerate(value):
                fault = _entry_fault(entry)
                if fault:
                    raise ManifestError(f"{source}: {key}[{index}] {fault}")
            lists[key] = value
        extra = {k: v for k, v in data.items() if k not in LIST_KEYS}
        return cls(scene=lists["scene"], asset=lists["asset"], extra=extra)

    def save(self, path: PathArg) -> str:
        """Write atomically (temp file in the same folder, fsync, rename over the target) in canonical form.

        Entries are checked first (:class:`ManifestError` naming the entry), so an invalid manifest
        is never written. Returns the absolute path written.
        """
        target = os.path.abspath(os.fspath(path))
        for key in LIST_KEYS:
            for index, entry in enumerate(getattr(self, key)):
                fault = _entry_fault(entry)
                if fault:
                    raise ManifestError(f"cannot save {target}: {key}[{index}] {fault}")
        save_document(target, self.to_dict())
        return target


def _kind(value: Any) -> str:
    """How an error message names a JSON value's type ("an object", "a list", ...)."""
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
