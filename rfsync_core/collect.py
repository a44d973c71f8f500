"""File patterns a scene stores, turned into the files on disk: UDIM, ``$F``/``#``/``<f>``, siblings.

``tex.<UDIM>.exr``, ``cache.$F4.abc`` and ``img.####.exr`` become the real files, and what is
missing is reported, never silently dropped, so the artist can fix it before the upload. Plain
Python, used by every host plugin's collection and by the tests of the three hosts.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass, field
from typing import Collection, Dict, Iterable, List, Optional, Set, Tuple

__all__ = ["TEXTURE_SIBLING_EXTENSIONS", "CollectResult", "collect_files", "expand_env", "expand_file_pattern",
           "follow_usd", "has_pattern", "pattern_regex"]

TEXTURE_SIBLING_EXTENSIONS: Tuple[str, ...] = (".tx", ".tex")
"""Renderer-ready copies of a texture that sit beside it (Arnold ``.tx``, RenderMan ``.tex``)."""


@dataclass
class CollectResult:
    """What a host found for its scene: files to upload, paths that could not be found, warnings."""

    found: List[str] = field(default_factory=list)
    missing: List[str] = field(default_factory=list)
    warnings: List[str] = field(default_factory=list)
    sources: Dict[str, List[str]] = field(default_factory=dict)
    """Path or pattern → where the scene references it (``file1.fileTextureName``), when the host says."""
    stats: Dict[str, Tuple[int, int]] = field(default_factory=dict)
    """Found file → ``(size, mtime_ns)`` when collected (:meth:`record_stats`): preflight sees later changes."""

    def record_stats(self) -> CollectResult:
        """Note each found file's size and mtime now, so a change before the upload is noticed; returns self."""
        for path in self.found:
            try:
                info = os.stat(path)
            except OSError:
                continue
            self.stats[path] = (info.st_size, info.st_mtime_ns)
        return self


# -- patterns -----------------------------------------------------------------------------------

# One alternation, tried left to right. Each token maps to a regex for the digits it stands for.
_TOKEN_RE = re.compile(
    r"(?P<udim><UDIM>|<udim>|_MAPID_)"
    r"|(?P<uvtile><UVTILE>)"
    r"|(?P<uv0><U>|<V>)"
    r"|(?P<uv1><u>|<v>)"
    r"|(?P<ftag><f>|<F>|<frame>)"
    r"|(?P<hashes>#+)"
    r"|(?P<printf>%(?P<pad>0?\d*)d)"
    r"|(?P<hfb>\$\{F(?P<hfbpad>\d*)\})"
    r"|(?P<hf>\$F(?P<hfpad>\d*)(?![A-Za-z0-9_]))"
)

_ENV_RE = re.compile(r"\$\{(?P<b>[A-Za-z_][A-Za-z0-9_]*)\}|\$(?P<n>[A-Za-z_][A-Za-z0-9_]*)")
_HOUDINI_FRAME_VAR = re.compile(r"F\d*")


def _tokens(path: str) -> List[re.Match[str]]:
    """Token matches in ``path``; Mari's ``_MAPID_`` counts only in the file name (it is a plain word)."""
    name_start = max(path.rfind("/"), path.rfind(os.sep)) + 1
    return [m for m in _TOKEN_RE.finditer(path)
            if not (m.group(0) == "_MAPID_" and m.start() < name_start)]


def has_pattern(path: str) -> bool:
    """True when ``path`` holds a frame or UDIM token."""
    return bool(_tokens(path))


def _frame_regex(min_digits: int) -> str:
    if min_digits <= 1:
        return r"(?P<frame{n}>-?\d+)"
    return r"(?P<frame{n}>-?\d{" + str(min_digits) + ",})"


def pattern_regex(path: str) -> Tuple[re.Pattern[str], str]:
    """(regex matching real paths, glob pattern finding candidates) for a tokenised path.

    Literal parts are escaped for both, so ``[`` or ``*`` in a folder name are
    matched literally. Frame tokens capture named groups ``frame0``, ``frame1``…
    """
    regex: List[str] = []
    globbed: List[str] = []
    pos = 0
    nframe = 0
    for m in _tokens(path):
        literal = path[pos:m.start()]
        regex.append(re.escape(_slashes(literal)))
        globbed.append(glob.escape(literal))
        pos = m.end()
        kind = m.lastgroup
        if kind == "udim":
            regex.append(r"\d{4}")
        elif kind == "uvtile":
            regex.append(r"u\d+_v\d+")
        elif kind in ("uv0", "uv1"):
            regex.append(r"\d+")
        else:
            if kind == "hashes":
                digits = len(m.group("hashes"))
            elif kind == "printf":
                digits = int(m.group("pad") or "0")
            elif kind == "hfb":
                digits = int(m.group("hfbpad") or "0")
            elif kind == "hf":
                digits = int(m.group("hfpad") or "0")
            else:  # <f>: any padding
                digits = 0
            regex.append(_frame_regex(digits).replace("{n}", str(nframe)))
            nframe += 1
        globbed.append("*")
    regex.append(re.escape(_slashes(path[pos:])))
    globbed.append(glob.escape(path[pos:]))
    flags = re.IGNORECASE if os.name == "nt" else 0
    return re.compile("".join(regex) + r"\Z", flags), "".join(globbed)


def _slashes(path: str) -> str:
    return path.replace("\\", "/") if os.name == "nt" else path


def expand_env(path: str) -> str:
    """Expand ``~`` and ``$VAR``/``${VAR}`` that are set — but never Houdini's ``$F`` frame tokens."""

    def repl(m: re.Match[str]) -> str:
        name = m.group("b") or m.group("n")
        if _HOUDINI_FRAME_VAR.fullmatch(name) or name not in os.environ:
            return m.group(0)
        return os.environ[name]

    return os.path.expanduser(_ENV_RE.sub(repl, path))


def _siblings(path: str) -> List[str]:
    stem, ext = os.path.splitext(path)
    out = []
    for sib_ext in TEXTURE_SIBLING_EXTENSIONS:
        if ext.lower() == sib_ext:
            continue
        sib = stem + sib_ext
        if os.path.isfile(sib):
            out.append(sib)
    return out


def _matches(path: str, frames: Optional[Collection[int]]) -> List[str]:
    """Real files for ``path`` (a plain path or a tokenised pattern), without siblings."""
    if os.path.isfile(path):  # a literal name wins, even one with '#' or '%d' in it
        return [path]
    if not has_pattern(path):
        return []
    regex, pattern = pattern_regex(path)
    wanted = None if frames is None else {int(f) for f in frames}
    found = []
    for candidate in glob.glob(pattern):
        m = regex.match(_slashes(candidate))
        if not m or not os.path.isfile(candidate):
            continue
        if wanted is not None:
            values = [int(v) for k, v in m.groupdict().items() if k.startswith("frame") and v is not None]
            if values and any(v not in wanted for v in values):
                continue
        found.append(candidate)
    return sorted(found)


def expand_file_pattern(path: str, frames: Optional[Iterable[int]] = None,
                        include_siblings: bool = True) -> List[str]:
    """The real files on disk behind ``path``, sorted, absolute.

    Handles frame tokens (``#``/``####``, ``%04d``, ``<f>``, ``$F``, ``$F4``,
    ``${F}``), UDIM tiles (``<UDIM>``, ``<udim>``, ``_MAPID_``, ``<U>``/``<V>``,
    ``<UVTILE>``) and, with ``include_siblings``, ``.tx``/``.tex`` files beside each
    match. ``frames`` limits frame tokens to those frame numbers. A plain path
    yields itself when it is a file. An empty list means nothing was found.
    """
    frame_set = None if frames is None else set(frames)
    full = os.path.abspath(expand_env(path))
    matches = _matches(full, frame_set)
    if not include_siblings:
        return matches
    out = set(matches)
    for match in matches:
        out.update(_siblings(match))
    if not matches and not has_pattern(full):
        out.update(_siblings(full))
    return sorted(out)


def collect_files(paths: Iterable[str], base_dir: Optional[str] = None,
                  frames: Optional[Iterable[int]] = None) -> Tuple[List[str], List[str]]:
    """``(found, missing)`` for the paths/patterns a scene references.

    ``found``: absolute paths of real files, sorted and unique (patterns expanded,
    ``.tx``/``.tex`` siblings added, folders walked). ``missing``: every input
    that matched nothing — a plain path that does not exist, a pattern with no
    file, a relative path with no ``base_dir`` — in input order, unique. Empty
    strings are ignored. A path whose only match is a ``.tx``/``.tex`` sibling
    is still reported missing (the renderer may need the source).
    """
    frame_list = None if frames is None else list(frames)
    found: Set[str] = set()
    missing: List[str] = []
    seen: Set[str] = set()
    for raw in paths:
        if not raw or not raw.strip():
            continue
        path = expand_env(raw.strip())
        if not os.path.isabs(path):
            if base_dir is None:
                _add_missing(missing, seen, raw)
                continue
            path = os.path.join(base_dir, path)
        path = os.path.normpath(path)
        if not has_pattern(path) and os.path.isdir(path):
            found.update(_walk(path))
            continue
        matches = _matches(path, frame_list)
        for match in matches:
            found.add(os.path.abspath(match))
            found.update(_siblings(os.path.abspath(match)))
        if not matches:
            found.update(_siblings(path) if not has_pattern(path) else [])
            _add_missing(missing, seen, raw)
    return sorted(found), missing


def follow_usd(result: CollectResult) -> CollectResult:
    """Add the whole dependency closure of every USD file in ``result.found`` (see :mod:`rfsync_core.usd`).

    Unresolved assets join ``missing`` (their source: the USD file that needs them); without ``pxr``
    one warning says the dependencies were not followed. Idempotent; returns ``result``.
    """
    from .usd import PXR_MISSING, UsdUnavailableError, UsdUnreadableError, is_usd, usd_dependencies

    found = set(result.found)
    queue = sorted((p for p in found if is_usd(p)), key=lambda p: (len(p), p))
    done: Set[str] = set()
    for usd in queue:  # a closure holds its layers' closures: follow each USD file not yet covered
        if usd in done:
            continue
        done.add(usd)
        try:
            deps, lost = usd_dependencies(usd)
        except UsdUnavailableError:
            if PXR_MISSING not in result.warnings:
                result.warnings.append(PXR_MISSING)
            break
        except UsdUnreadableError as err:
            if str(err) not in result.warnings:
                result.warnings.append(str(err))
            continue
        found.update(deps)
        done.update(deps)
        for path in lost:
            if path not in result.missing:
                result.missing.append(path)
            result.sources.setdefault(path, []).append(usd)
    result.found = sorted(found)
    return result


def _add_missing(missing: List[str], seen: Set[str], path: str) -> None:
    if path not in seen:
        seen.add(path)
        missing.append(path)


def _walk(folder: str) -> List[str]:
    out: List[str] = []
    for root, _dirs, files in os.walk(folder):
        out.extend(os.path.join(root, name) for name in files)
    return out
