"""The "Farm jobs" window: the artist's recent tasks, their farm states, and their frames into the shot.

One widget for the three hosts. Rows come from the task history (:mod:`rfsync_core.app.task_history`),
this scene's tasks first; states from :class:`~rfsync_core.app.farm_poll.FarmPoller`, which runs in a
thread of its own and reaches the window only through a queued signal (the host's main thread never
reads the farm). Per task: "Download now" and "Auto-download" start a download job
(:func:`~rfsync_core.app.jobs.download_job`, the engine of ``auto_download``) in a normal transfer panel,
so it shows in the Transfers window, keeps going when this window is closed, is stopped by the quit
guard when the host quits, and resumes from the records next time (a frame that arrived is not fetched
again); "Stop" cancels the task's download; "Open folder" shows where its frames land.

Closed, the window keeps polling only the tasks whose auto-download runs, so a frame that fails or a task
that ends still reaches the artist: through the host's status line (``status_write``, a plugin's
``status.py``, fed by the panel's :class:`~rfsync_core.ui.hoststatus.StatusFollower` as for any background
transfer). That polling stops when those auto-downloads end (one last read for a task not yet seen ended),
when the quit guard stops them, or when the application quits.

The download folder is the host's render output location (``HostAdapter.render_output_dir()``, passed
in as ``default_folder``) unless the artist chose another for the task, which the history remembers,
with the seed's ``download_filename_format`` choice (a ``<task>_<scene>`` folder, or flat).
"""

from __future__ import annotations

import os
import time
from typing import Any, Callable, Dict, List, Optional, Set, Tuple

from Qt import QtCore, QtGui, QtWidgets

from ..app.farm_poll import FarmPoller, TaskState
from ..app.jobs import download_job
from ..app.task_history import TaskEntry, TaskHistory
from ..config.folders import default_download_root
from ..config.settings import TransferSettings
from .hoststatus import StatusFollower, StatusWriter
from .panel import DONE, DONE_WITH_ERRORS, RUNNING, TransferPanel, run_in_panel

__all__ = ["FarmJobsWindow"]

_COLUMNS = ("Task", "Scene", "Platform", "Submitted", "State", "Frames", "Download folder")
_STATE, _FRAMES, _FOLDER = 4, 5, 6


class _Bridge(QtCore.QObject):
    """Carries the poller's updates (its thread) to the window (the GUI thread), queued."""

    update = QtCore.Signal(object)


class FarmJobsWindow(QtWidgets.QWidget):
    """The window. ``notified(text)`` fires when a task ends or a frame fails (also shown in the window)."""

    notified = QtCore.Signal(str)

    def __init__(self, scene: Optional[str] = None, default_folder: Optional[str] = None,
                 parent: Optional[QtWidgets.QWidget] = None, *, history: Optional[TaskHistory] = None,
                 settings: Optional[Callable[[], TransferSettings]] = None, interval: float = 5.0,
                 reopen_hint: str = "", status_write: Optional[StatusWriter] = None) -> None:
        super().__init__(parent)
        self.setWindowFlags(QtCore.Qt.WindowType.Window)
        self.setWindowTitle("rfsync — Farm jobs")
        self.setObjectName("rfsyncFarmJobs")
        self.scene = scene
        self.default_folder = default_folder or str(default_download_root())
        self.history = history or TaskHistory()
        self.load_settings = settings or TransferSettings.load
        self.interval = interval
        self.reopen_hint = reopen_hint
        self.entries: List[TaskEntry] = []
        self._items: List[QtWidgets.QTreeWidgetItem] = []
        self.states: Dict[Tuple[str, str], TaskState] = {}
        self.downloads: Dict[Tuple[str, str], TransferPanel] = {}
        """The running (or last) download panel of each task."""
        self.notices: List[str] = []
        self.status_write = status_write
        """The host's status line (None: no host line, e.g. a batch or a test without one)."""
        self._followers: Dict[Tuple[str, str], StatusFollower] = {}
        self._auto: Set[Tuple[str, str]] = set()
        """Tasks whose last download is an auto-download (polled while the window is closed)."""
        self._closed = False
        self._last_looks: List[FarmPoller] = []
        self.open_url: Callable[[Any], Any] = QtGui.QDesktopServices.openUrl
        """How "Open folder" opens a folder (a test swaps it)."""
        self.poller: Optional[FarmPoller] = None
        self._bridge = _Bridge()
        self._bridge.update.connect(self._on_update, QtCore.Qt.ConnectionType.QueuedConnection)
        self._build()
        self.resize(860, 380)
        app = QtCore.QCoreApplication.instance()
        if app is not None:  # the host quits: no more reads of the farm
            app.aboutToQuit.connect(self.stop_polling)
        self.refresh()

    # -- layout -----------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QtWidgets.QVBoxLayout(self)
        self.tree = QtWidgets.QTreeWidget()
        self.tree.setHeaderLabels(list(_COLUMNS))
        self.tree.setRootIsDecorated(False)
        self.tree.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.itemSelectionChanged.connect(self._selection_changed)
        layout.addWidget(self.tree)
        folder_row = QtWidgets.QHBoxLayout()
        self.per_task = QtWidgets.QCheckBox("A folder per task (<task>_<scene>)")
        self.per_task.setToolTip('The seed\'s download_filename_format: checked = "true", unchecked = "false" '
                                 "(the task's outputs straight into the download folder).")
        self.per_task.setChecked(True)
        self.per_task.toggled.connect(self._format_toggled)
        self.choose_button = QtWidgets.QPushButton("Download folder…")
        self.choose_button.clicked.connect(self.choose_folder)
        folder_row.addWidget(self.per_task)
        folder_row.addStretch(1)
        folder_row.addWidget(self.choose_button)
        layout.addLayout(folder_row)
        buttons = QtWidgets.QHBoxLayout()
        self.download_button = QtWidgets.QPushButton("Download now")
        self.auto_button = QtWidgets.QPushButton("Auto-download")
        self.open_button = QtWidgets.QPushButton("Open folder")
        self.stop_button = QtWidgets.QPushButton("Stop")
        self.refresh_button = QtWidgets.QPushButton("Refresh")
        for button, slot in ((self.download_button, self.download_now), (self.auto_button, self.auto_download),
                             (self.open_button, self.open_folder), (self.stop_button, self.stop),
                             (self.refresh_button, self.refresh)):
            button.clicked.connect(slot)
            buttons.addWidget(button)
        buttons.insertStretch(4, 1)
        layout.addLayout(buttons)
        self.notice_label = QtWidgets.QLabel("")
        self.notice_label.setWordWrap(True)
        layout.addWidget(self.notice_label)

    # -- rows ---------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Reload the history (this scene's tasks first) and poll every task not known to be final."""
        self.entries = self.history.entries(scene=self.scene)
        selected = self.selected()
        self.tree.clear()
        self._items = []
        for entry in self.entries:
            item = QtWidgets.QTreeWidgetItem([
                entry.task_id, os.path.basename(entry.scene), entry.platform,
                time.strftime("%Y-%m-%d %H:%M", time.localtime(entry.submitted)), "…", "", self.folder_of(entry)])
            self.tree.addTopLevelItem(item)
            self._items.append(item)
            state = self.states.get(_key(entry))
            if state is not None:
                self._show_state(item, state)
        for i in range(self.tree.columnCount()):
            self.tree.resizeColumnToContents(i)
        if self.entries:
            index = next((i for i, e in enumerate(self.entries) if selected and _key(e) == _key(selected)), 0)
            self.tree.setCurrentItem(self._items[index])
        self._restart_poller()
        self._selection_changed()

    def _restart_poller(self) -> None:
        """Poll every task not known to be settled; with the window closed, only those auto-downloading."""
        self.stop_polling()
        watched = self.watched()
        keys = [_key(e) for e in self.entries if not (_key(e) in self.states and self.states[_key(e)].settled)
                and (not self._closed or _key(e) in watched)]
        if keys:
            self.poller = self._poll(keys)

    def _poll(self, keys: List[Tuple[str, str]], max_rounds: Optional[int] = None) -> FarmPoller:
        bridge = self._bridge  # held by the closure: alive as long as the poller thread may emit
        poller = FarmPoller(keys, lambda state: _deliver(bridge, poller, state), interval=self.interval,
                            max_interval=max(self.interval, 60.0), max_rounds=max_rounds)
        return poller.start()

    def watched(self) -> List[Tuple[str, str]]:
        """The tasks whose auto-download runs: still polled, and heard of, while the window is closed."""
        return [k for k in self._auto if k in self.downloads and _running(self.downloads[k])]

    @QtCore.Slot()
    def stop_polling(self) -> None:
        for poller in [self.poller, *self._last_looks]:
            if poller is not None:
                poller.stop()
        self.poller = None
        self._last_looks = []

    def _download_ended(self, key: Tuple[str, str], ended: str) -> None:
        """A task's download ended: with the window closed, stop polling it — after one last read when the
        auto-download ended with the task (so its end is told even if the poll had not seen it yet)."""
        self._selection_changed()
        if not self._closed:
            return
        self._restart_poller()
        state = self.states.get(key)
        if key in self._auto and ended in (DONE, DONE_WITH_ERRORS) and not (state is not None and state.final):
            self._last_looks.append(self._poll([key], max_rounds=3))  # its end, if the poll had not seen it

    def row_texts(self) -> List[List[str]]:
        """What the table shows (tests, screenshots)."""
        return [[item.text(c) for c in range(len(_COLUMNS))] for item in self._items]

    def _item(self, key: Tuple[str, str]) -> Optional[QtWidgets.QTreeWidgetItem]:
        for entry, item in zip(self.entries, self._items):
            if _key(entry) == key:
                return item
        return None

    @QtCore.Slot(object)
    def _on_update(self, state: Any) -> None:
        before = self.states.get(state.key)
        self.states[state.key] = state
        item = self._item(state.key)
        if item is not None:
            self._show_state(item, state)
        new_failed = [f for f in state.failed_frames if before is None or f not in before.failed_frames]
        if new_failed and before is not None:
            self.notify(f"Task {state.task_id}: frame{'s' if len(new_failed) > 1 else ''} "
                        f"{', '.join(new_failed)} failed on the farm.", state.key)
        if state.final and before is not None and not before.final:
            self.notify(f"Task {state.task_id} ended: {state.state} ({state.frames_text() or 'no frames'}).",
                        state.key)
        elif state.final and before is None and state.message and not state.status:
            self.notify(f"Task {state.task_id}: {state.state} — {state.message}", state.key)
        self._selection_changed()

    def _show_state(self, item: QtWidgets.QTreeWidgetItem, state: TaskState) -> None:
        item.setText(_STATE, state.state)
        item.setText(_FRAMES, state.frames_text())
        item.setToolTip(_STATE, state.message)

    def notify(self, text: str, key: Optional[Tuple[str, str]] = None) -> None:
        """Say ``text`` in the window and, when the task has a download, in the host's status line."""
        self.notices.append(text)
        self.notice_label.setText(text)
        follower = self._followers.get(key) if key is not None else None
        if follower is not None:
            try:
                follower.notify(text)
            except RuntimeError:  # its panel was closed and deleted
                del self._followers[key]  # type: ignore[arg-type]
        self.notified.emit(text)

    # -- the selected task ---------------------------------------------------------------------------
    def selected(self) -> Optional[TaskEntry]:
        item = self.tree.currentItem() if self.tree.topLevelItemCount() else None
        if item is None:
            return None
        index = self.tree.indexOfTopLevelItem(item)
        return self.entries[index] if 0 <= index < len(self.entries) else None

    def select(self, task_id: str) -> None:
        for entry, item in zip(self.entries, self._items):
            if entry.task_id == task_id:
                self.tree.setCurrentItem(item)
                return
        raise KeyError(task_id)

    def folder_of(self, entry: TaskEntry) -> str:
        """Where the task's frames land: the folder chosen for it, else the host's render folder."""
        return entry.output_dir or self.default_folder

    def _selection_changed(self) -> None:
        entry = self.selected()
        panel = self.downloads.get(_key(entry)) if entry else None
        running = panel is not None and panel.is_running()
        state = self.states.get(_key(entry)) if entry else None
        known = entry is not None and not (state is not None and state.status is None and state.final)
        self.download_button.setEnabled(known and not running)
        self.auto_button.setEnabled(known and not running and not (state is not None and state.final))
        self.stop_button.setEnabled(running)
        self.open_button.setEnabled(entry is not None)
        self.choose_button.setEnabled(entry is not None)
        self.per_task.setEnabled(entry is not None)
        if entry is not None:
            blocked = self.per_task.blockSignals(True)
            self.per_task.setChecked(not entry.flat)
            self.per_task.blockSignals(blocked)

    def set_folder(self, folder: str, flat: Optional[bool] = None) -> None:
        """Use ``folder`` for the selected task from now on (remembered in the history)."""
        entry = self.selected()
        if entry is None:
            return
        updated = self.history.set_output(entry.platform, entry.task_id, folder,
                                          entry.flat if flat is None else flat)
        if updated is not None:
            self.entries[self.entries.index(entry)] = updated
            item = self._item(_key(updated))
            if item is not None:
                item.setText(_FOLDER, self.folder_of(updated))
            self._selection_changed()

    def choose_folder(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        folder = QtWidgets.QFileDialog.getExistingDirectory(self, f"Download task {entry.task_id} into",
                                                            self.folder_of(entry))
        if folder:
            self.set_folder(folder)

    def _format_toggled(self, checked: bool) -> None:
        entry = self.selected()
        if entry is not None:
            self.set_folder(entry.output_dir, flat=not checked)

    # -- actions ------------------------------------------------------------------------------------
    def download_now(self) -> Optional[TransferPanel]:
        """Fetch what the selected task has produced so far."""
        return self._start(wait=False)

    def auto_download(self) -> Optional[TransferPanel]:
        """Fetch the selected task's frames as they finish, until it ends (a transfer in its own panel)."""
        return self._start(wait=True)

    def _start(self, wait: bool) -> Optional[TransferPanel]:
        entry = self.selected()
        if entry is None:
            return None
        key = _key(entry)
        if key in self.downloads and self.downloads[key].is_running():
            return self.downloads[key]
        folder = self.folder_of(entry)
        settings = self.load_settings()
        settings = TransferSettings(platform=entry.platform, max_speed=settings.max_speed, threads=settings.threads)
        job = download_job([entry.task_id], folder, settings, wait=wait, sleep_time=self.interval, flat=entry.flat)
        verb = "Auto-download" if wait else "Download"
        panel = run_in_panel(job, f"{verb} task {entry.task_id}", parent=self.parentWidget(),
                             done_message=f"Done: task {entry.task_id}'s frames are in {folder}.",
                             reopen_hint=self.reopen_hint, destination=folder)
        panel.finished.connect(lambda ended: self._download_ended(key, ended))
        self.downloads[key] = panel
        if wait:
            self._auto.add(key)
        else:
            self._auto.discard(key)
        if self.status_write is not None:
            self._followers[key] = StatusFollower(panel, self.status_write, f"{verb} task {entry.task_id}")
        self._selection_changed()
        return panel

    def stop(self) -> None:
        """Stop the selected task's download (frames that arrived stay; a rerun skips them)."""
        entry = self.selected()
        panel = self.downloads.get(_key(entry)) if entry else None
        if panel is not None and panel.state == RUNNING:
            panel.cancel()

    def open_folder(self) -> None:
        entry = self.selected()
        if entry is None:
            return
        folder = self.folder_of(entry)
        os.makedirs(folder, exist_ok=True)
        self.open_url(QtCore.QUrl.fromLocalFile(folder))

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        """Closing keeps polling only the auto-downloading tasks: downloads go on in their panels (the
        Transfers window), and what happens to those tasks still reaches the host's status line."""
        self._closed = True
        self._restart_poller()
        super().closeEvent(event)

    def showEvent(self, event: QtGui.QShowEvent) -> None:
        if self._closed or self.poller is None:
            self._closed = False
            if self.entries:
                self._restart_poller()
        super().showEvent(event)


def _deliver(bridge: _Bridge, poller: FarmPoller, state: TaskState) -> None:
    """From the poller's thread: queue the update to the window, unless the window stopped polling."""
    if poller.cancel_token.cancelled:
        return
    try:
        bridge.update.emit(state)
    except RuntimeError:  # the window's Qt side is gone (host quitting): stop asking the farm
        poller.stop()


def _running(panel: TransferPanel) -> bool:
    try:
        return panel.is_running() and panel.state == RUNNING
    except RuntimeError:  # the panel's Qt side is gone
        return False


def _key(entry: Optional[TaskEntry]) -> Tuple[str, str]:
    return (entry.platform, entry.task_id) if entry is not None else ("", "")
