"""Every file the open hip file depends on (``hou`` calls only; pattern expansion is rfsync_core's).

Source: ``hou.fileReferences(project_dir_variable="HIP", include_all_refs=True)``,
which yields ``(Parm or None, unexpanded string)`` pairs. Dropped, as the
deadline submitter does: pairs without a parameter (reported as a warning, so
they are not silently lost), ``opdef:``/``oplib:``/``temp:``/``op:`` strings
(embedded in HDAs or other nodes) and the parameters of the submitting ROP
itself. Also dropped: render *outputs* — every reference on a ROP (Driver)
node and known output parameters such as a ROP SOP's ``sopoutput`` — or each
render would report its own future images as missing.

Expansion: a reference that does not depend on time is the parameter's own
evaluation. One whose only time tokens are frame variables (``$F``, ``$F4``,
``${F}``, ``${F4}``) keeps them protected while Houdini expands the other
variables (``$HIP``, ``$JOB``…), then ``rfsync_core.collect_files`` turns the
pattern into the real files on disk. ``%(UDIM)d`` is rewritten as ``<UDIM>``.
Anything else time-dependent — ``$FF``, ``$T``, or any backtick expression — is
evaluated by the parameter itself (``Parm.evalAsStringAtFrame``: in its own node,
so ``ch("../x")``/``chs()`` resolve; ``hou.text.expandStringAtFrame`` would
resolve them against ``hou.pwd()``, hosts.md) at each frame of the range (the
ROP's, else ``$FSTART``–``$FEND``).
"""

from __future__ import annotations

import os
import re
from typing import Any, Iterable, List, Optional, Sequence, Set, Tuple

import hou

from rfsync_core import CollectResult, collect_files

IGNORED_PREFIXES: Tuple[str, ...] = ("opdef:", "oplib:", "temp:", "op:")
OUTPUT_PARMS = frozenset({
    "sopoutput", "lopoutput", "copoutput", "vm_picture", "picture", "ar_picture", "vm_dcmfilename",
    "RS_outputFileNamePrefix", "savetodirectory_directory", "taskgraphfile", "pdg_workingdir", "soho_program",
})
"""Parameters that name files a render or a cook *writes* (or Houdini's own scripts), never inputs."""
OUTPUT_CATEGORY = "Driver"
"""References on ROP nodes are render outputs (``vm_picture``, ``lopoutput``, ``sopoutput``…)."""
MAX_EXPRESSION_FRAMES = 100_000
"""Bound on per-frame evaluation of a time-dependent backtick expression."""

_TIME_TOKEN = re.compile(r"\$\{F\d*\}|\$F\d*(?![A-Za-z0-9_])")
_OTHER_TIME_TOKEN = re.compile(r"\$\{(?:FF|T)\}|\$(?:FF|T)(?![A-Za-z0-9_])")
"""Time variables a pattern cannot keep: ``$FF`` (float frame) and ``$T`` (seconds)."""
_UDIM_PRINTF = re.compile(r"%\(UDIM\)d")
_OS_TOKEN = re.compile(r"\$\{OS\}|\$OS(?![A-Za-z0-9_])")
_PLACEHOLDER = "RFSYNCFRAMETOKEN{}X"


def expand_string(text: str) -> str:
    """Houdini's expansion of variables and backtick expressions at the current frame.

    ``hou.text.expandString`` where it exists; older builds only have the top-level
    ``hou.expandString`` (the first version with ``hou.text`` is unconfirmed).
    """
    text_module = getattr(hou, "text", None)
    if text_module is not None and hasattr(text_module, "expandString"):
        return str(text_module.expandString(text))
    return str(getattr(hou, "expandString")(text))  # noqa: B009 - absent from newer stubs


def hip_file() -> Optional[str]:
    """The open hip file's path; None for a scene that was never saved (Houdini names it untitled.hip)."""
    if hou.hipFile.isNewFile():
        return None
    return os.path.normpath(hou.hipFile.path())


def hip_dir() -> str:
    hip = hip_file()
    return os.path.dirname(hip) if hip else os.getcwd()


def scene_frame_range() -> Tuple[int, int]:
    """The global animation range (``$FSTART``–``$FEND``), for patterns that need whole frames."""
    try:
        start = float(expand_string("$FSTART"))
        end = float(expand_string("$FEND"))
    except ValueError:
        frame = float(hou.frame())
        start = end = frame
    return round(min(start, end)), round(max(start, end))


def is_output(parm: Any) -> bool:
    if parm.name() in OUTPUT_PARMS:
        return True
    return str(parm.node().type().category().name()) == OUTPUT_CATEGORY


def file_references(exclude_nodes: Iterable[str] = ()) -> Tuple[List[Tuple[Any, str]], List[str]]:
    """((parm, unexpanded string) pairs worth checking, warnings) from ``hou.fileReferences``."""
    excluded = set(exclude_nodes)
    refs: List[Tuple[Any, str]] = []
    unowned: List[str] = []
    for parm, raw in hou.fileReferences(project_dir_variable="HIP", include_all_refs=True):
        value = str(raw or "").strip()
        if not value or value.startswith(IGNORED_PREFIXES):
            continue
        if parm is None:
            unowned.append(value)
            continue
        if parm.node().path() in excluded or is_output(parm):
            continue
        refs.append((parm, value))
    warnings = []
    if unowned:
        shown = ", ".join(unowned[:5]) + (f" and {len(unowned) - 5} more" if len(unowned) > 5 else "")
        warnings.append(f"{len(unowned)} file reference(s) not tied to a parameter (e.g. asset libraries) "
                        f"were not uploaded: {shown}")
    return refs, warnings


def is_time_dependent(raw: str) -> bool:
    """True when the reference changes with the frame: a frame or time variable, or any backtick."""
    return "`" in raw or bool(_TIME_TOKEN.search(raw) or _OTHER_TIME_TOKEN.search(raw))


def expand_reference(parm: Any, raw: str, frames: Optional[Sequence[int]]) -> List[str]:
    """The reference as paths/patterns ``collect_files`` understands (frame tokens kept).

    Not time-dependent: the parameter evaluates itself (channel references, ``$OS``…
    resolve in its own context). Only ``$F``-style tokens: they are protected while
    Houdini expands the rest (``$OS`` is the node's name). Backticks, ``$FF`` or ``$T``:
    the parameter is evaluated at each frame instead, in its own node.
    """
    text = _UDIM_PRINTF.sub("<UDIM>", raw)
    if not is_time_dependent(text):
        return [_UDIM_PRINTF.sub("<UDIM>", str(parm.evalAsString()))]
    if "`" in text or _OTHER_TIME_TOKEN.search(text):
        if frames is None:
            first, last = scene_frame_range()
            frames = range(first, last + 1)
        out: List[str] = []
        for n, frame in enumerate(frames):
            if n >= MAX_EXPRESSION_FRAMES:
                break
            out.append(_UDIM_PRINTF.sub("<UDIM>", str(parm.evalAsStringAtFrame(float(frame)))))
        return sorted(set(out))
    tokens = _TIME_TOKEN.findall(text)
    text = _OS_TOKEN.sub(lambda _m: str(parm.node().name()), text)
    protected = _TIME_TOKEN.sub(lambda m: _PLACEHOLDER.format(tokens.index(m.group(0))), text)
    expanded = expand_string(protected)
    for i, token in enumerate(tokens):
        expanded = expanded.replace(_PLACEHOLDER.format(i), token)
    return [expanded]


def dependency_paths(frames: Optional[Sequence[int]] = None,
                     exclude_nodes: Iterable[str] = ()) -> Tuple[List[str], List[str]]:
    """(paths and patterns the scene references, the hip file first; warnings) — not yet checked on disk."""
    refs, warnings = file_references(exclude_nodes)
    paths: List[str] = []
    hip = hip_file()
    if hip:
        paths.append(hip)
    seen: Set[str] = set(paths)
    for parm, raw in refs:
        try:
            expanded = expand_reference(parm, raw, frames)
        except hou.OperationFailed as err:
            warnings.append(f"{parm.path()}: cannot expand {raw!r}: {err}")
            continue
        for path in expanded:
            if path and path not in seen:
                seen.add(path)
                paths.append(path)
    return paths, warnings


def collect_scene(frames: Optional[Sequence[int]] = None, exclude_nodes: Iterable[str] = ()) -> CollectResult:
    """Found files (absolute, sorted, hip file included), missing paths/patterns, warnings.

    ``frames`` limits frame patterns to those frames (a ROP's range); None accepts
    every frame on disk. Folders are reported, not uploaded (a ``$HIP`` folder
    reference would otherwise send the whole project).
    """
    paths, warnings = dependency_paths(frames, exclude_nodes)
    base = hip_dir()
    files = []
    for path in paths:
        resolved = path if os.path.isabs(path) else os.path.join(base, path)
        if os.path.isdir(resolved):
            warnings.append(f"{path} is a folder, not a file: not uploaded")
        else:
            files.append(path)
    found, missing = collect_files(files, base_dir=base, frames=frames)
    return CollectResult(found=found, missing=missing, warnings=warnings)
