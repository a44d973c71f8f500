"""The interactive flow of every host plugin, written once: what a menu item, a shelf button or a ROP button runs.

Why here: Maya, Houdini and Katana each had their own copy of the same steps (and their copies had
drifted: one caught a bad settings file, another let it escape as a traceback). Each action runs on
the host's main thread:

* upload — the scene must be saved, its files are collected, missing files are shown and the artist
  chooses, then ``upload.json`` is written to the scene's rfsync work folder;
* submit — the same, plus the task's details from the host (read *before* collecting, so a host can
  refuse early, e.g. a Houdini ROP with nothing wired in) and the four task configs;
* download — a task id and a folder are asked for;

then the transfer runs in a non-modal :class:`~rfsync_core.ui.panel.TransferPanel` parented to the
host's main window: its worker thread does the network, the host stays usable. An action never
raises into the host (:meth:`HostActions.guarded`): an rfsync error is a message in the host's
dialog, anything else a message plus the traceback on stderr.

A plugin gives its :class:`HostWords` (scene / hip file / project, its menu names) and a
:class:`HostActions` subclass for its :class:`~rfsync_core.app.host.HostAdapter` with the hooks it
really needs (Houdini: a ROP's frames, platform and task; Katana: a summary before submitting).
"""

from __future__ import annotations

import os
import sys
import traceback
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Generic, Iterator, List, Optional, Tuple, TypeVar

from Qt import QtCore, QtWidgets

from ..app.checks import confirm_missing, ensure_saved
from ..app.host import HostAdapter, host_frames, host_preflight_settings
from ..app.jobs import TransferJob, download_job, submit_job, upload_manifest_job
from ..app.tasks import TaskInfo, task_folder, work_folder, write_task_configs, write_upload_manifest
from ..collect import CollectResult, follow_usd
from ..config.folders import default_download_root
from ..config.settings import TransferSettings
from ..errors import RfsyncError
from ..farm import new_task_id
from ..preflight import PreflightReport, PreflightSettings, preflight
from .history import session_transfers, show_transfers_window
from .hoststatus import StatusFollower, StatusWriter, write_status
from .panel import TransferPanel, active_panels, run_in_panel
from .preflight import confirm_preflight
from .settings import edit_settings

__all__ = ["HostActions", "HostWords"]

H = TypeVar("H", bound=HostAdapter)
T = TypeVar("T")


@dataclass(frozen=True)
class HostWords:
    """What the artist reads that differs between hosts: the only differences of the flow's dialogs."""

    title: str
    """Dialog titles: the plugin's menu name (``"Render Farm"``, ``"RFSync"``)."""
    noun: str
    """What the host calls the file it renders: ``"scene"``, ``"hip file"``, ``"project"``."""
    save_hint: str
    """Where "Save As" is: ``"File > Save Scene As…"``."""
    reopen_hint: str
    """The menu item that shows a panel again (said when a running panel is closed)."""
    after_submit: str
    """The next step shown once a task is submitted (e.g. where to download the renders)."""
    maybe_modified: bool = False
    """The host cannot tell for sure whether the file has unsaved changes (Katana): the question says so."""


class HostActions(Generic[H]):
    """The flow of the plugins' actions for one host. Subclasses give :meth:`task_info` and may override
    the hooks (:meth:`collect`, :meth:`settings`, :meth:`render_frames`, :meth:`confirm_submit`, :meth:`announce`,
    :meth:`show_unexpected`); the flow itself is not overridden."""

    def __init__(self, make_host: Callable[[], H], words: HostWords) -> None:
        self.make_host = make_host
        """A fresh host per action (host adapters hold no state; a test may swap the host modules)."""
        self.words = words

    # -- hooks -------------------------------------------------------------------------------------
    def task_info(self, host: H, task_id: str, scene: str) -> TaskInfo:
        """The task's details (``task.json``): the host's renderer, frames, layers…"""
        raise NotImplementedError(f"{type(self).__name__} cannot submit: it has no task_info")

    def collect(self, host: H) -> CollectResult:
        """The files to send (Houdini: only the frames of the ROP's range)."""
        return host.collect_assets()

    def settings(self, host: H) -> TransferSettings:
        """The transfer settings (Houdini: a ROP's platform parameter wins)."""
        return TransferSettings.load()

    def render_frames(self, host: H) -> Optional[str]:
        """The frames the render needs (``"1-100"``), for preflight: the host's range (Houdini: a ROP's)."""
        hook = getattr(host, "render_frames", None)  # optional in the host contract
        return hook() if callable(hook) else None

    def preflight_settings(self, host: H) -> PreflightSettings:
        """What the preflight check knows: the host's project folder, :meth:`render_frames`, the platform's
        roots and the speed cap of :meth:`settings` (Houdini: a ROP's platform)."""
        return host_preflight_settings(host, self.settings(host), host_frames(host, self.render_frames(host)))

    def confirm_submit(self, host: H, scene: str, info: TaskInfo, collected: CollectResult) -> bool:
        """A last question before anything is submitted (Katana shows what will render); True goes on."""
        return True

    def announce(self, host: H, title: str) -> None:
        """Called as a transfer starts (Houdini: a line in the status bar)."""

    def status_writer(self, host: H) -> Optional[StatusWriter]:
        """What writes the host's own status line (a plugin's ``status.py``), or None."""
        return None

    def show_unexpected(self, host: H, text: str, details: str) -> None:
        """Show an error that is rfsync's bug, not the artist's (Houdini adds ``details``, the traceback)."""
        host.show_message(self.words.title, text, level="error")

    # -- the actions ---------------------------------------------------------------------------------
    def guarded(self, action: Callable[..., T], *args: Any) -> Optional[T]:
        """``action(*args)``, or None after an error was shown: nothing raises into the host's callback."""
        try:
            return action(*args)
        except RfsyncError as err:
            self.make_host().show_message(self.words.title, str(err), level="error")
        except Exception as err:  # a bug of ours must not escape into the host (PyQt5 aborts on it)
            details = traceback.format_exc()
            print(details, file=sys.stderr)
            self.show_unexpected(self.make_host(), f"{type(err).__name__}: {err}", details)
        return None

    def upload_scene_assets(self) -> Optional[TransferPanel]:
        """Upload the scene and every file it needs. Returns the panel (None when stopped before)."""
        return self.guarded(self._upload)

    def submit_scene(self, task_id: Optional[str] = None) -> Optional[TransferPanel]:
        """Write the task's configs, upload the assets, then the configs (``task.json`` last). Returns the panel."""
        return self.guarded(self._submit, task_id)

    def download_renders(self, task_id: Optional[str] = None,
                         local_path: Optional[str] = None) -> Optional[TransferPanel]:
        """Ask for the task id(s) and a folder (unless given), then download the task's rendered files."""
        return self.guarded(self._download, task_id, local_path)

    def show_transfers(self) -> int:
        """Bring back panels that run in the background, and list this session's transfers (running, then
        finished and failed ones). Returns how many transfers the list shows."""
        running = [p for p in active_panels() if p.is_running()]
        for panel in running:
            panel.show_again()
        ended = session_transfers()
        if not running and not ended:
            self.make_host().show_message(self.words.title, "No transfers are running.")
            return 0
        show_transfers_window(active_panels, parent=self.make_host().main_window())
        return len(running) + len(ended)

    def farm_jobs(self) -> Any:
        """The "Farm jobs" window: this machine's tasks (this scene's first), their states, their frames into
        the host's render folder. One window per session, shown again and refreshed on each call."""
        from .farmjobs import FarmJobsWindow

        host = self.make_host()
        parent = host.main_window()
        window = _FARM_JOBS[0] if _FARM_JOBS and _alive(_FARM_JOBS[0], parent) else None
        if window is None:
            window = FarmJobsWindow(parent=parent, reopen_hint=self.words.reopen_hint)
            _FARM_JOBS[:] = [window]
        window.scene = host.scene_path()
        window.default_folder = _render_folder(host) or str(default_download_root())
        window.status_write = None if host.is_batch() else self.status_writer(host)  # notices, window closed
        window.refresh()
        window.show()
        window.raise_()
        return window

    def open_settings(self) -> Optional[TransferSettings]:
        """The settings dialog (platform, max speed, threads). Returns the saved settings, None if cancelled.

        A settings file that cannot be read is reported, and the dialog opens with the defaults so the
        artist can save good ones over it.
        """
        host = self.make_host()
        try:
            settings = TransferSettings.load()
        except RfsyncError as err:
            host.show_message(self.words.title, str(err), level="error")
            settings = TransferSettings()
        return edit_settings(host.main_window(), settings)

    # -- the flow ----------------------------------------------------------------------------------
    def _collected(self, host: H, verb: str) -> Optional[Tuple[CollectResult, PreflightReport]]:
        """The files to send and their preflight report, once the artist has seen both; None when they stop."""
        with self._collecting(host):
            collected = follow_usd(self.collect(host)).record_stats()
        for warning in collected.warnings:
            print(f"rfsync: warning: {warning}")
        if not confirm_missing(host, collected, verb, title=self.words.title, noun=self.words.noun):
            return None
        report = preflight(collected, self.preflight_settings(host))
        if not confirm_preflight(report, verb, host.main_window(), skip_codes=("missing",)):
            return None
        return collected, report

    @contextmanager
    def _collecting(self, host: H) -> Iterator[None]:
        """The collecting phase, which runs on the host's main thread before any panel (it reads the host's
        scene): a wait cursor, and the host's status line says it, so the artist knows why the host is busy."""
        batch = host.is_batch()
        write = None if batch else self.status_writer(host)
        if write is not None:
            write_status(write, f"rfsync: Collecting the files the {self.words.noun} uses…")
        app = QtWidgets.QApplication.instance()
        cursor = not batch and isinstance(app, QtWidgets.QApplication)  # a batch host may have a core app only
        if cursor:
            QtWidgets.QApplication.setOverrideCursor(QtCore.Qt.CursorShape.WaitCursor)
        try:
            yield
        finally:
            if cursor:
                QtWidgets.QApplication.restoreOverrideCursor()
            if write is not None:
                write_status(write, "")

    def _saved_scene(self, host: H) -> Optional[str]:
        words = self.words
        return ensure_saved(host, title=words.title, noun=words.noun, save_hint=words.save_hint,
                            maybe_modified=words.maybe_modified)

    def _upload(self) -> Optional[TransferPanel]:
        host = self.make_host()
        scene = self._saved_scene(host)
        if scene is None:
            return None
        checked = self._collected(host, "Upload")
        if checked is None:
            return None
        settings = self.settings(host)
        manifest = write_upload_manifest(os.path.join(work_folder(scene), "upload.json"), scene, checked[0].found)
        name = os.path.basename(scene)

        def rerun(only: Optional[List[str]]) -> TransferJob:
            return upload_manifest_job(manifest, self.settings(self.make_host()), only)

        return self._show(host, upload_manifest_job(manifest, settings), f"Upload {name}",
                          f"Done: {name} and its files are on the farm's storage.", _where(settings), rerun)

    def _submit(self, task_id: Optional[str]) -> Optional[TransferPanel]:
        host = self.make_host()
        scene = self._saved_scene(host)
        if scene is None:
            return None
        info = self.task_info(host, task_id or new_task_id(), scene)
        checked = self._collected(host, "Submit")
        if checked is None:
            return None
        collected, report = checked
        settings = self.settings(host)
        if not self.confirm_submit(host, scene, info, collected):
            return None
        configs = write_task_configs(task_folder(scene, info.task_id), info, collected, preflight=report)
        panel = self._show(host, submit_job(info.task_id, configs, settings, _render_folder(host) or ""),
                           f"Submit {info.scene_name} (task {info.task_id})",
                           f"Task {info.task_id} submitted: the farm will render frames {info.frames}.",
                           _where(settings),  # again: the failed assets (or all), then the configs, task.json last
                           lambda only: submit_job(info.task_id, configs, self.settings(self.make_host()),
                                                   _render_folder(host) or "", only=only))
        panel.next_steps["done"] = self.words.after_submit
        return panel

    def _download(self, task_id: Optional[str], local_path: Optional[str]) -> Optional[TransferPanel]:
        host = self.make_host()
        parent = host.main_window()
        if task_id is None:
            text, ok = QtWidgets.QInputDialog.getText(parent, "Download renders", "Task id(s), comma separated:")
            if not ok or not text.strip():
                return None
            task_id = text
        ids: List[str] = [t.strip() for t in task_id.split(",") if t.strip()]
        if local_path is None:
            local_path = QtWidgets.QFileDialog.getExistingDirectory(
                parent, "Download renders into", str(default_download_root()))
            if not local_path:
                return None
        settings = self.settings(host)
        folder = local_path
        return self._show(host, download_job(ids, local_path, settings), f"Download task {', '.join(ids)}",
                          f"Done: the rendered files are in {local_path}.", local_path,
                          lambda _only: download_job(ids, folder, self.settings(self.make_host())))

    def _show(self, host: H, job: TransferJob, title: str, done_message: str, destination: str = "",
              rerun: Optional[Callable[[Optional[List[str]]], TransferJob]] = None) -> TransferPanel:
        """The panel of a transfer; ``rerun`` builds the job again (its final buttons), with fresh settings."""
        self.announce(host, title)
        panel = run_in_panel(job, title, parent=host.main_window(), done_message=done_message,
                             reopen_hint=self.words.reopen_hint, destination=destination)
        panel.rerun = rerun
        panel.open_settings = self.open_settings
        write = self.status_writer(host)
        if write is not None and not host.is_batch():
            StatusFollower(panel, write, title)
        return panel


_FARM_JOBS: List[Any] = []
"""The session's Farm jobs window (kept alive while hidden)."""


def _alive(window: Any, parent: Any) -> bool:
    """The kept window still exists on the Qt side (a host may have deleted it) and has the same parent."""
    try:
        return window.parentWidget() is parent or window.parentWidget() == parent
    except RuntimeError:  # "Internal C++ object already deleted"
        return False


def _render_folder(host: Any) -> Optional[str]:
    """The host's render output location (``HostAdapter.render_output_dir``, optional), else None."""
    hook = getattr(host, "render_output_dir", None)
    return hook() if callable(hook) else None


def _where(settings: TransferSettings) -> str:
    """The platform a transfer goes to, for the panel's title line."""
    from ..config import default_platform_name

    return settings.platform or default_platform_name()
