"""``MayaHost``: rfsync's host contract (:class:`rfsync_core.HostAdapter`) for Maya."""

from __future__ import annotations

import os
import sys
from typing import Any, List, Optional, Sequence

from maya import cmds

from rfsync_core import CollectResult, TaskInfo, frame_list

from . import collect


def _get(plug: str, default: Any = None) -> Any:
    try:
        return cmds.getAttr(plug)
    except (ValueError, RuntimeError, TypeError):
        return default


class MayaHost:
    """Maya behind the small interface every rfsync host plugin implements."""

    name = "maya"

    def host_version(self) -> str:
        return str(cmds.about(version=True))

    def is_batch(self) -> bool:
        return bool(cmds.about(batch=True))

    def scene_path(self) -> Optional[str]:
        path = collect.scene_file()
        return os.path.normpath(path) if path else None

    def scene_modified(self) -> bool:
        return bool(cmds.file(query=True, modified=True))

    def save_scene(self) -> None:
        cmds.file(save=True)

    def collect_assets(self) -> CollectResult:
        return collect.collect_scene()

    def main_window(self) -> Optional[Any]:
        """Maya's main window as a QWidget (for parenting panels), None in batch."""
        if self.is_batch():
            return None
        from maya import OpenMayaUI

        ptr = OpenMayaUI.MQtUtil.mainWindow()
        if ptr is None:
            return None
        from Qt import QtCompat, QtWidgets

        return QtCompat.wrapInstance(int(ptr), QtWidgets.QWidget)

    def show_message(self, title: str, text: str, level: str = "info",
                     buttons: Sequence[str] = ("OK",)) -> str:
        """A Maya dialog; in batch the text is printed and the first button is the answer."""
        labels = list(buttons) or ["OK"]
        if self.is_batch():
            print(f"rfsync: {title}: {text}", file=sys.stderr if level != "info" else sys.stdout)
            return labels[0]
        return str(cmds.confirmDialog(title=title, message=text, button=labels, defaultButton=labels[0],
                                      cancelButton=labels[-1], dismissString=labels[-1]))

    def render_output_dir(self) -> Optional[str]:
        """The workspace's ``images`` rule under its root (the rule may be absolute): where Maya renders."""
        root = str(cmds.workspace(query=True, rootDirectory=True) or "")
        rule = str(cmds.workspace(fileRuleEntry="images") or "images")
        return os.path.normpath(os.path.join(root, rule)) if root or os.path.isabs(rule) else None

    def project_root(self) -> Optional[str]:
        """The workspace root (``cmds.workspace(q=True, rootDirectory=True)``): preflight's project folder."""
        return os.path.normpath(collect.project_root())

    def render_frames(self) -> Optional[str]:
        """What the farm renders, as ``task.json`` says it (:meth:`frames`): preflight checks those frames."""
        return self.frames()

    # -- what task.json needs ----------------------------------------------------------------
    def renderer(self) -> str:
        return str(_get("defaultRenderGlobals.currentRenderer", "") or "")

    def frames(self) -> str:
        """The render frame range (render settings when animation is on, else the current frame)."""
        if _get("defaultRenderGlobals.animation", False):
            start = float(_get("defaultRenderGlobals.startFrame", 1.0))
            end = float(_get("defaultRenderGlobals.endFrame", start))
            step = float(_get("defaultRenderGlobals.byFrame", 1.0) or 1.0)
            return frame_list(start, end, step)
        return frame_list(float(cmds.currentTime(query=True)), float(cmds.currentTime(query=True)))

    def render_layers(self) -> List[str]:
        return [layer for layer in cmds.ls(type="renderLayer") or []
                if ":" not in layer and _get(f"{layer}.renderable", False)]

    def cameras(self) -> List[str]:
        out: List[str] = []
        for shape in cmds.ls(cameras=True) or []:
            if not _get(f"{shape}.renderable", False):
                continue
            parents = cmds.listRelatives(shape, parent=True) or [shape]
            out += [p for p in parents if p not in out]
        return out

    def task_info(self, task_id: str, scene: str) -> TaskInfo:
        return TaskInfo(
            task_id=task_id, scene=scene, host=self.name, host_version=self.host_version(),
            renderer=self.renderer(), frames=self.frames(), layers=self.render_layers(),
            cameras=self.cameras(), extra={"project": collect.project_root()},
        )
