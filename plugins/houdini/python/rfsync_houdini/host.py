"""``HoudiniHost``: rfsync's host contract (:class:`rfsync_core.HostAdapter`) for Houdini and hython."""

from __future__ import annotations

import os
import sys
from typing import Any, Dict, List, Optional, Sequence, Tuple

import hou

from rfsync_core import CollectResult, FarmError, TaskInfo, TransferSettings, frame_list

from . import ROP_TYPE, collect


def _severity(level: str) -> Any:
    return {
        "info": hou.severityType.Message,
        "question": hou.severityType.ImportantMessage,
        "warning": hou.severityType.Warning,
        "error": hou.severityType.Error,
    }.get(level, hou.severityType.Message)


def rop_frame_range(node: Any) -> Tuple[float, float, float]:
    """(start, end, step) a ROP renders: its ``f1``/``f2``/``f3``, or the current frame when ``trange`` is 0.

    ``trange`` menu: 0 current frame, 1 frame range, 2 frame range (strict); the
    labels are unconfirmed, the values are what every ROP uses.
    """
    trange = node.parm("trange")
    if trange is None or trange.evalAsInt() == 0:
        frame = float(hou.frame())
        return frame, frame, 1.0
    start, end, step = (float(node.parm(name).evalAsFloat()) for name in ("f1", "f2", "f3"))
    return start, end, step


def frame_numbers(start: float, end: float, step: float) -> List[int]:
    """Whole frames from ``start`` to ``end`` every ``step`` (what the farm renders)."""
    a, b, s = round(start), round(end), max(1, round(step))
    if b < a:
        a, b = b, a
    return list(range(a, b + 1, s))


def render_rops(node: Any) -> List[Any]:
    """The ROPs the farm renders: the inputs of an rfsync_submit ROP (through Merge ROPs), else the node."""
    if node.type().name() == ROP_TYPE:
        out: List[Any] = []
        for item in node.inputs():
            if item is not None:
                out += [n for n in _through_merges(item) if n.path() not in {o.path() for o in out}]
        return out
    return [node]


def _through_merges(node: Any, depth: int = 0) -> List[Any]:
    """A Merge ROP stands for the ROPs wired into it (bounded depth: no endless loop on odd graphs)."""
    if node.type().name() != "merge" or depth > 32:
        return [node]
    out: List[Any] = []
    for item in node.inputs():
        if item is not None:
            out += _through_merges(item, depth + 1)
    return out


def submit_rops() -> List[Any]:
    """rfsync_submit ROPs: the selected ones, else every one in /out."""
    selected = [n for n in hou.selectedNodes() if n.type().name() == ROP_TYPE]
    if selected:
        return selected
    out = hou.node("/out")
    return [n for n in out.children() if n.type().name() == ROP_TYPE] if out is not None else []


IMAGE_PARMS = ("picture", "vm_picture")
"""Where a render ROP names its image: Karma / USD Render ``picture``, Mantra ``vm_picture``."""


def render_output_dir(rop: Optional[Any] = None) -> Optional[str]:
    """The folder of the first image the ROP(s) render (``rop``, else the only RFSync Submit ROP), else
    ``$HIP/render``; None for an unsaved hip file."""
    if rop is None:
        rops = submit_rops()
        rop = rops[0] if len(rops) == 1 else None
    for node in render_rops(rop) if rop is not None else []:
        for name in IMAGE_PARMS:
            parm = node.parm(name)
            value = parm.evalAsString().strip() if parm is not None else ""
            if value and os.path.isabs(value):
                return os.path.dirname(os.path.normpath(value))
    if not collect.hip_file():
        return None
    return os.path.normpath(hou.text.expandString("$HIP/render"))


def settings_for(node: Optional[Any] = None) -> TransferSettings:
    """The user's saved settings; a ROP's non-empty ``platform`` parameter overrides the platform."""
    settings = TransferSettings.load()
    parm = node.parm("platform") if node is not None else None
    platform = parm.evalAsString().strip() if parm is not None else ""
    if platform:
        settings.platform = platform
    return settings


class HoudiniHost:
    """Houdini behind the small interface every rfsync host plugin implements."""

    name = "houdini"

    def host_version(self) -> str:
        return str(hou.applicationVersionString())

    def is_batch(self) -> bool:
        return not hou.isUIAvailable()

    def scene_path(self) -> Optional[str]:
        return collect.hip_file()

    def scene_modified(self) -> bool:
        return bool(hou.hipFile.hasUnsavedChanges())

    def save_scene(self) -> None:
        hou.hipFile.save()

    def collect_assets(self, frames: Optional[Sequence[int]] = None,
                       exclude_nodes: Sequence[str] = ()) -> CollectResult:
        return collect.collect_scene(frames, exclude_nodes)

    def main_window(self) -> Optional[Any]:
        """Houdini's main window (a QMainWindow of Houdini's own PySide), None in hython."""
        if self.is_batch():
            return None
        return hou.qt.mainWindow()

    def show_message(self, title: str, text: str, level: str = "info",
                     buttons: Sequence[str] = ("OK",)) -> str:
        """``hou.ui.displayMessage``; in hython the text is printed and the first button is the answer."""
        labels = list(buttons) or ["OK"]
        if self.is_batch():
            print(f"rfsync: {title}: {text}", file=sys.stderr if level != "info" else sys.stdout)
            return labels[0]
        index = hou.ui.displayMessage(text, buttons=tuple(labels), severity=_severity(level), default_choice=0,
                                      close_choice=len(labels) - 1, title=title)
        return labels[index] if 0 <= index < len(labels) else labels[-1]

    def set_status(self, text: str, level: str = "info") -> None:
        """A line in Houdini's status bar (UI only)."""
        if not self.is_batch():
            hou.ui.setStatusMessage(text, severity=_severity(level))

    def render_output_dir(self, rop: Optional[Any] = None) -> Optional[str]:
        """The folder of the first image a ROP writes (``rop``, else the only RFSync Submit ROP: the ROPs wired
        into it), else ``$HIP/render``."""
        return render_output_dir(rop)

    def project_root(self) -> Optional[str]:
        """``$JOB`` when it names a folder (a Houdini variable, saved in the hip file), else the hip file's folder;
        None for an unsaved hip file: preflight's project folder."""
        job = str(hou.text.expandString("$JOB") or "").strip()
        if job and "$" not in job and os.path.isabs(job) and os.path.isdir(job):
            return os.path.normpath(job)
        hip = collect.hip_file()
        return os.path.dirname(hip) if hip else None

    def render_frames(self, rop: Optional[Any] = None) -> Optional[str]:
        """The frames a ROP renders (``f1``/``f2``/``f3``), else the scene's ``$FSTART``-``$FEND``: for preflight."""
        if rop is not None:
            return frame_list(*rop_frame_range(rop))
        try:
            return frame_list(*(float(hou.text.expandString(v)) for v in ("$FSTART", "$FEND")))
        except ValueError:  # not numbers: the range is unknown
            return None

    # -- what task.json needs ----------------------------------------------------------------
    def task_info(self, task_id: str, scene: str, rop: Any) -> TaskInfo:
        """The task of a ROP: an rfsync_submit ROP renders the ROPs wired into it, any other ROP itself."""
        rops = render_rops(rop)
        if not rops:
            raise FarmError(f"{rop.path()}: connect the ROP(s) to render (Karma, Mantra, …) to its input")
        renderers: List[str] = []
        for node in rops:
            kind = str(node.type().name())
            if kind not in renderers:
                renderers.append(kind)
        start, end, step = rop_frame_range(rop)
        extra: Dict[str, Any] = {"rop": rop.path(), "hip": scene}
        return TaskInfo(
            task_id=task_id, scene=scene, host=self.name, host_version=self.host_version(),
            renderer=",".join(renderers), frames=frame_list(start, end, step),
            layers=[str(n.path()) for n in rops], extra=extra,
        )
