"""``KatanaHost``: rfsync's host contract (:class:`rfsync_core.HostAdapter`) for Katana."""

from __future__ import annotations

import os
import sys
from typing import Any, List, Optional, Sequence

from Katana import Configuration, FarmAPI, KatanaFile, NodegraphAPI

from rfsync_core import CollectResult, RfsyncError, TaskInfo, frame_list

from . import collect


def ui_mode() -> bool:
    """True in Katana's GUI (``Configuration.get("KATANA_UI_MODE")``, tk-katana).

    The value's exact type is unconfirmed, so "0"/"false" strings count as no UI too.
    """
    value = Configuration.get("KATANA_UI_MODE")
    if not value:
        return False
    return str(value).strip().lower() not in ("0", "false", "no", "off")


class KatanaHost:
    """Katana behind the small interface every rfsync host plugin implements."""

    name = "katana"

    def host_version(self) -> str:
        try:
            import KatanaInfo

            return str(KatanaInfo.version)
        except (ImportError, AttributeError):
            return os.environ.get("KATANA_RELEASE", "")

    def is_batch(self) -> bool:
        return not ui_mode()

    def scene_path(self) -> Optional[str]:
        """The saved project file; None when unsaved (an empty or non-absolute name counts as unsaved)."""
        return collect.project_file()

    def scene_modified(self) -> bool:
        """Unsaved changes? ``KatanaFile.IsFileDirty`` is not in our sources: without it, assume yes."""
        is_dirty = getattr(KatanaFile, "IsFileDirty", None)
        if is_dirty is None:
            return True
        return bool(is_dirty())

    def save_scene(self) -> None:
        path = self.scene_path()
        if path is None:
            raise RfsyncError("the Katana project was never saved: use File > Save As first")
        KatanaFile.Save(path)

    def render_output_dir(self) -> Optional[str]:
        """``render/`` beside the saved project (Katana has no project render-folder setting of its own)."""
        folder = NodegraphAPI.GetProjectDir()
        return os.path.join(folder, "render") if folder else None

    def project_root(self) -> Optional[str]:
        """The saved project's folder (``NodegraphAPI.GetProjectDir()``): preflight's project folder."""
        folder = NodegraphAPI.GetProjectDir()
        return os.path.normpath(folder) if folder else None

    def render_frames(self) -> Optional[str]:
        """The project's in/out range, as ``task.json`` says it (:meth:`frames`): preflight checks those frames."""
        return self.frames()

    def collect_assets(self) -> CollectResult:
        return collect.collect_scene()

    def main_window(self) -> Optional[Any]:
        """Katana's main window (a QMainWindow) for parenting panels; None in script mode."""
        if self.is_batch():
            return None
        import UI4  # top level: the Katana package gets UI4 only once the GUI runs (types-katana)

        return UI4.App.MainWindow.GetMainWindow()

    def show_message(self, title: str, text: str, level: str = "info",
                     buttons: Sequence[str] = ("OK",)) -> str:
        """A Qt message box over Katana's window; in script mode the text is printed, first button wins."""
        labels = list(buttons) or ["OK"]
        if self.is_batch():
            print(f"rfsync: {title}: {text}", file=sys.stderr if level != "info" else sys.stdout)
            return labels[0]
        from . import dialogs

        return dialogs.ask(self.main_window(), title, text, level, labels)

    # -- what task.json needs ----------------------------------------------------------------
    def render_nodes(self) -> List[Any]:
        return list(NodegraphAPI.GetAllNodesByType("Render") or [])

    def renderer(self) -> str:
        """The renderer ("service") of the first Render node FarmAPI reports (dict keys: 3rd-party)."""
        nodes = self.render_nodes()
        if not nodes:
            return ""
        try:
            entries = FarmAPI.GetSortedDependencyList(nodes) or []
        except Exception as err:  # a broken graph must not stop the dialog; task.json then says why
            print(f"rfsync: FarmAPI.GetSortedDependencyList failed: {err}", file=sys.stderr)
            return ""
        for entry in entries:
            service = entry.get("service") if isinstance(entry, dict) else None
            if service:
                return str(service)
        return ""

    def frames(self) -> str:
        return frame_list(float(NodegraphAPI.GetInTime()), float(NodegraphAPI.GetOutTime()))

    def task_info(self, task_id: str, scene: str) -> TaskInfo:
        return TaskInfo(
            task_id=task_id, scene=scene, host=self.name, host_version=self.host_version(),
            renderer=self.renderer(), frames=self.frames(),
            layers=[str(n.getName()) for n in self.render_nodes()],
            extra={"katana_scene_name": str(NodegraphAPI.GetKatanaSceneName() or "")},
        )
