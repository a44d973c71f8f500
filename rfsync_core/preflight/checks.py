"""``preflight``: everything that can be known locally about a set of files before the first byte is sent.

Stat-based (one ``stat`` and one ``access`` per file, no hashing), so 100,000 entries take about
1.5 s (``bench/bench_preflight.py``). Each check answers "what happens on the farm, what to do".
"""

from __future__ import annotations

import os
import stat
import sys
from typing import Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple, Union

from ..collect import CollectResult
from ..errors import RfsyncError
from ..manifest.model import UploadManifest, load_manifest
from ..paths import local_to_server
from .model import ERROR, INFO, WARNING, Finding, PreflightReport, PreflightSettings
from .names import component_fault
from .sequences import SequenceGroups

__all__ = ["Source", "preflight"]

Source = Union[str, "os.PathLike[str]", UploadManifest, CollectResult, Iterable[Union[str, Tuple[str, str]]]]
"""What :func:`preflight` checks: an ``upload.json`` path, a manifest, a host's collection, or paths."""

_CASE_INSENSITIVE_DISK = os.name == "nt" or sys.platform == "darwin"



def _gib(n: float) -> str:
    return f"{n / (1024 ** 3):.1f} GiB"


def _duration(seconds: float) -> str:
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.0f} min" if seconds >= 60 else f"{seconds:.0f} s"


class _Inputs:
    """The source turned into ``(local, server)`` pairs, missing references, host sources, recorded stats."""

    def __init__(self, source: Source) -> None:
        self.items: List[Tuple[str, str]] = []
        self.missing: List[str] = []
        self.sources: Mapping[str, Sequence[str]] = {}
        self.recorded: Dict[str, Tuple[int, int]] = {}
        if isinstance(source, CollectResult):
            self.items = [(p, _server(p)) for p in source.found]
            self.missing = list(source.missing)
            self.sources = source.sources
            self.recorded = dict(source.stats)
            return
        if isinstance(source, (str, os.PathLike)):
            source = load_manifest(source)
        if isinstance(source, UploadManifest):
            listed = source.extra.get("missing")  # what a followed USD stage lacks (manifest.append)
            self.missing = [p for p in listed if isinstance(p, str)] if isinstance(listed, list) else []
            for entry in list(source.scene) + list(source.asset):
                self.items.append((entry["local"], entry["server"]))
                size, mtime = entry.get("size"), entry.get("mtime_ns")
                if isinstance(size, int) and isinstance(mtime, int):
                    self.recorded[entry["local"]] = (size, mtime)
            return
        for item in source:
            self.items.append((item, _server(item)) if isinstance(item, str) else (item[0], item[1]))


def _server(local: str) -> str:
    try:
        return local_to_server(local)
    except RfsyncError:
        return local  # a relative path: the missing check names it


class _Listing:
    """Folder listings, read once each: the real letter case of names on disk."""

    def __init__(self) -> None:
        self._names: Dict[str, Optional[Dict[str, str]]] = {}

    def real_name(self, path: str) -> Optional[str]:
        """The name on disk whose case-folded form matches ``path``'s, or None."""
        folder, name = os.path.split(path)
        if folder not in self._names:
            try:
                self._names[folder] = {n.casefold(): n for n in os.listdir(folder)}
            except OSError:
                self._names[folder] = None
        names = self._names[folder]
        return None if names is None else names.get(name.casefold())


def preflight(source: Source, settings: Optional[PreflightSettings] = None) -> PreflightReport:
    """Check ``source`` (see :data:`Source`) against ``settings``; a plain-data :class:`PreflightReport`."""
    cfg = settings or PreflightSettings()
    inputs = _Inputs(source)
    report = PreflightReport()
    listing = _Listing()
    found: List[Finding] = report.findings
    named: Dict[Tuple[str, str], List[str]] = {}
    folded: Dict[str, Set[str]] = {}
    too_long: List[str] = []
    zero: List[str] = []
    outside: List[str] = []
    sequences = SequenceGroups()
    roots = [os.path.normcase(os.path.join(os.path.abspath(r), "")) for r in
             ([cfg.project_root] if cfg.project_root else []) + list(cfg.roots)]
    speed = cfg.max_speed * 1024 if cfg.max_speed else None

    for ref in inputs.missing:
        _missing(found, ref, inputs.sources.get(ref, ()), listing)
    seen: Set[str] = set()
    for local, server in inputs.items:
        if local in seen:
            continue
        seen.add(local)
        where = tuple(inputs.sources.get(local, ()))
        try:
            info = os.stat(local)
        except OSError:
            _missing(found, local, where, listing)
            continue
        if not stat.S_ISREG(info.st_mode):
            found.append(Finding(ERROR, "unreadable", (local,), "is not a regular file (a folder?): nothing can "
                                 "be sent for it; reference the file itself", where))
            continue
        if not os.access(local, os.R_OK):
            found.append(Finding(ERROR, "unreadable", (local,), "cannot be read by you: the upload fails on it; "
                                 "fix its permissions", where))
            continue
        size = info.st_size
        report.total_files += 1
        report.total_bytes += size
        if size == 0:
            zero.append(local)
        recorded = inputs.recorded.get(local)
        if recorded is not None and recorded != (size, info.st_mtime_ns):
            found.append(Finding(WARNING, "changed", (local,), "changed since the scene was collected: the farm "
                                 "gets the new version; collect again if that is not meant", where))
        if size >= cfg.large_file_bytes:
            eta = f", about {_duration(size / speed)} at the {cfg.max_speed:g} KB/s cap" if speed else ""
            found.append(Finding(INFO, "large_file", (local,), f"{_gib(size)}{eta}: the upload takes a while; "
                                 "check the file is meant to go", where))
        if _CASE_INSENSITIVE_DISK:
            real = listing.real_name(local)
            if real is not None and real != os.path.basename(local):
                found.append(_case_mismatch(local, real, where, exists=True))
        folded.setdefault(server.casefold(), set()).add(server)
        if len(cfg.farm_root) + len(server) > cfg.max_path and cfg.windows_farm:
            too_long.append(local)
        for part in server.replace("\\", "/").split("/"):
            if part:
                fault = component_fault(part, cfg.windows_farm, cfg.allowed_chars)
                if fault is not None:
                    named.setdefault(fault, []).append(local)
        if roots and not any(os.path.normcase(local).startswith(r) for r in roots):
            outside.append(local)
        sequences.add(local)

    found.extend(sequences.findings(cfg.frames))
    for servers in folded.values():
        if len(servers) > 1:
            found.append(Finding(WARNING, "case_collision", tuple(sorted(servers)),
                                 "differ only in letter case: they overwrite each other on a case-insensitive "
                                 "farm or share and split on a Linux one; give them distinct names"))
    for (code, why), files in sorted(named.items()):
        found.append(Finding(WARNING, code, tuple(files), f"{why}: a Windows or strict farm cannot create it; "
                             "rename it"))
    if too_long:
        found.append(Finding(WARNING, "path_too_long", tuple(too_long),
                             f"longer than {cfg.max_path} characters on the farm: a Windows farm cannot open it; "
                             "shorten the folders or names"))
    if zero:
        found.append(Finding(WARNING, "zero_bytes", tuple(zero), "empty (0 bytes): the renderer reads nothing "
                             "from it; re-export or re-copy it"))
    if outside:
        found.append(Finding(WARNING, "outside_roots", tuple(outside),
                             "outside the project and the platform's roots: lands under its own full path on "
                             "the farm; move it into the project if the farm does not map that path"))
    return report


def _case_mismatch(ref: str, real: str, where: Tuple[str, ...], exists: bool) -> Finding:
    tail = "the Windows workstation finds it, a Linux farm does not" if exists else \
        "a Linux farm does not find it"
    return Finding(ERROR, "case_mismatch", (ref,), f"the file on disk is spelled {real!r}: {tail}; "
                   "fix the reference's letter case", where)


def _missing(found: List[Finding], ref: str, where: Sequence[str], listing: _Listing) -> None:
    where = tuple(where)
    if os.path.isabs(ref):
        real = listing.real_name(ref)
        if real is not None and real != os.path.basename(ref):
            found.append(_case_mismatch(ref, real, where, exists=False))
            return
    found.append(Finding(ERROR, "missing", (ref,), "not found: the farm renders without it (or fails); fix the "
                         "path or restore the file", where))


