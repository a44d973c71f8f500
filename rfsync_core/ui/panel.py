"""The transfer panel: a non-modal window that shows one upload, submit or download.

Progress by bytes, files, rate and ETA, the files in flight, per-file errors, Cancel, and a final
state (done / done with errors / cancelled / failed) with what to do next and its buttons. It only
reacts to queued signals of :class:`~rfsync_core.ui.worker.TransferRunner` (≤ 10 snapshots a
second) and appends only new errors, so a 100,000-file transfer does not load the host's GUI thread.
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar, Dict, List, Optional, Tuple

from Qt import QtCore, QtGui, QtWidgets

from ..app.console import human_bytes, human_duration
from ..app.jobs import TransferJob
from ..errors import RfsyncError, TransferCancelled
from ..transfer.result import TransferResult
from .colors import apply_state_colors
from .errorlist import ErrorList, action_button, copy_text
from .figures import PHASE_STATUS, centre_on, eta_text, rate_text, title_text
from .history import remember, show_transfers_window
from .inflight import InFlightBlock, in_flight_of
from .nextsteps import FinalButtons
from .quitguard import ask_close_running, is_quitting, quit_guard
from .settings import edit_settings
from .states import CANCELLED, DONE, DONE_WITH_ERRORS, FAILED, RUNNING
from .worker import TransferRunner

MAX_ERROR_ROWS = 2000
"""Rows shown in the error list; the rest are counted (and copied by "Copy errors")."""

_ACTIVE: List[TransferPanel] = []
"""Panels kept alive while visible or running (a hidden background transfer has no other owner)."""


def active_panels() -> List[TransferPanel]:
    """Open or running panels, e.g. for a host's "Show transfers" menu item."""
    return list(_ACTIVE)


class TransferPanel(QtWidgets.QWidget):
    """One transfer's window. ``start(job)`` runs the job in a worker thread.

    ``next_steps`` maps a final state to a hint shown under the status line
    (hosts adapt the defaults, e.g. "the task is on the farm").
    """

    finished = QtCore.Signal(str)
    """Emitted once with the final state (done, done with errors, cancelled, failed)."""
    snapshot = QtCore.Signal(object)
    """Each progress snapshot, once shown (GUI thread; e.g. the host's status line follows it)."""
    ended_in_background = QtCore.Signal(str)
    """Emitted with the final state when the transfer ended while its panel was closed (a host notifies)."""

    NEXT_STEPS: ClassVar[Dict[str, str]] = {
        DONE: "Everything arrived. You can close this window.",
        DONE_WITH_ERRORS: ("Fix the files listed below, then run it again: files that already "
                           "arrived are skipped."),
        CANCELLED: "Nothing was lost: run it again to continue where it stopped.",
        FAILED: "Check the message above and the settings (platform, credentials), then try again.",
    }

    def __init__(self, title: str = "Transfer", parent: Optional[QtWidgets.QWidget] = None,
                 noun: str = "files", reopen_hint: str = "", destination: str = "") -> None:
        super().__init__(parent)
        self.setWindowFlags(QtCore.Qt.WindowType.Window)
        self.setWindowTitle(f"rfsync — {title}")
        self.setObjectName("rfsyncTransferPanel")
        self.setMinimumWidth(560)
        self.state = ""
        self.result: Any = None
        self.error: Optional[BaseException] = None
        self.next_steps = dict(self.NEXT_STEPS)
        self.done_message = ""
        self.reopen_hint = reopen_hint
        """The host's menu item that shows this panel again (said when it is closed while running)."""
        self.last_snapshot: Any = None
        self.errors: List[Tuple[str, str]] = []
        self._noun = noun
        self._runner: Optional[TransferRunner] = None
        self._hidden_in_background = False
        self._close_choice = ""
        self._title = title
        self.destination = destination
        """Where the files go (the platform's name), shown in the title line."""
        self._bar_max = 0
        self.phase = ""
        """The job's phase (its ``phase`` signal, :mod:`rfsync_core.app.jobs`); "" before and after."""
        self.rerun: Optional[Callable[[Optional[List[str]]], TransferJob]] = None
        """The job again, for the given failed files only (or all with None): set by the flow (:mod:`.actions`)."""
        self.open_settings: Callable[[], Any] = lambda: edit_settings(self)
        """What "Open settings…" does (the flow gives its own, which reports a broken settings file)."""
        self._build(title)
        self.resize(680, 460)

    # -- layout ---------------------------------------------------------------------------
    def _build(self, title: str) -> None:
        layout = QtWidgets.QVBoxLayout(self)
        self.title_label = QtWidgets.QLabel(title_text(title, self.destination, None, self._noun))
        font = self.title_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        self.title_label.setFont(font)
        # its text changes with every snapshot: never let that re-lay out the whole window
        self.title_label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Fixed)
        layout.addWidget(self.title_label)

        self.status_label = QtWidgets.QLabel("Starting…")
        self.status_label.setWordWrap(True)
        bold = self.status_label.font()
        bold.setBold(True)
        self.status_label.setFont(bold)
        layout.addWidget(self.status_label)
        self.next_label = QtWidgets.QLabel("")
        self.next_label.setWordWrap(True)
        self.next_label.setVisible(False)
        layout.addWidget(self.next_label)

        self.progress_bar = QtWidgets.QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(0)
        self.progress_bar.setTextVisible(True)
        self.progress_bar.setFormat("0%")
        layout.addWidget(self.progress_bar)

        grid = QtWidgets.QGridLayout()
        self.files_label = QtWidgets.QLabel("–")
        self.bytes_label = QtWidgets.QLabel("–")
        self.rate_label = QtWidgets.QLabel("–")
        self.eta_label = QtWidgets.QLabel("–")
        for row, (name, widget) in enumerate([("Files", self.files_label), ("Data", self.bytes_label),
                                              ("Speed", self.rate_label), ("Time", self.eta_label)]):
            caption = QtWidgets.QLabel(name + ":")
            caption.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
            grid.addWidget(caption, row, 0)
            grid.addWidget(widget, row, 1)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)

        self.in_flight_label = QtWidgets.QLabel("In flight:")
        layout.addWidget(self.in_flight_label)
        self.in_flight = InFlightBlock()  # fixed height: the error list below does not jump
        layout.addWidget(self.in_flight)

        self.errors_label = QtWidgets.QLabel("Errors: none")
        layout.addWidget(self.errors_label)
        self.error_list = ErrorList()
        self.error_list.setMinimumHeight(90)
        layout.addWidget(self.error_list, 1)
        layout.addStretch(0)  # no error list: the room goes below, not between the lines above

        self.log_label = QtWidgets.QLabel("")
        self.log_label.setTextFormat(QtCore.Qt.TextFormat.PlainText)
        self.log_label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        layout.addWidget(self.log_label)

        buttons = QtWidgets.QHBoxLayout()
        self.copy_button = QtWidgets.QPushButton("Copy errors")
        self.copy_button.clicked.connect(self.copy_errors)
        buttons.addWidget(self.copy_button)
        self.reveal_button = action_button(self.error_list.reveal_action)
        self.copy_path_button = action_button(self.error_list.copy_action)
        buttons.addWidget(self.reveal_button)
        buttons.addWidget(self.copy_path_button)
        buttons.addStretch(1)
        self.final_buttons = FinalButtons()
        self.final_buttons.retry_button.clicked.connect(self.retry_failed)
        self.final_buttons.run_again_button.clicked.connect(self.run_again)
        self.final_buttons.settings_button.clicked.connect(lambda: self.open_settings())
        buttons.addWidget(self.final_buttons)
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel)
        self.cancel_button.setEnabled(False)
        buttons.addWidget(self.cancel_button)
        self.close_button = QtWidgets.QPushButton("Close")
        self.close_button.clicked.connect(self.close)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self._set_state_style(RUNNING)
        self._show_error_section(False)

    def _show_error_section(self, on: bool) -> None:
        """The error list and its buttons appear with the first error: no empty table, no idle buttons."""
        for widget in (self.errors_label, self.error_list, self.copy_button, self.reveal_button,
                       self.copy_path_button):
            widget.setVisible(on)

    # -- running ----------------------------------------------------------------------------
    def start(self, job: TransferJob) -> None:
        """Run ``job(progress_callback, cancel_token)`` in a worker thread and show its progress."""
        if self.is_running():
            raise RuntimeError("this panel is already running a transfer")
        self.state = RUNNING
        self.result, self.error = None, None
        self._bar_max = 0
        self.final_buttons.show_for(RUNNING, None, False)
        self.status_label.setText("Starting…")
        for widget in (self.in_flight_label, self.in_flight, self.cancel_button):
            widget.setVisible(True)
        self.next_label.setVisible(False)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Cancel")
        self._set_state_style(RUNNING)
        runner = TransferRunner(self)
        runner.progress.connect(self.on_progress)
        runner.phase.connect(self.on_phase)
        runner.succeeded.connect(self._on_succeeded)
        runner.errored.connect(self._on_errored)
        runner.stopped.connect(self._on_stopped)
        self._runner = runner
        if self not in _ACTIVE:
            _ACTIVE.append(self)
        runner.start(job)
        guard = quit_guard()
        parent = self.parentWidget()
        if guard is not None and parent is not None:
            guard.watch_window(parent.window())  # the host's main window: ask before it closes

    def is_running(self) -> bool:
        """True until the worker thread has ended (also while a cancel is winding down)."""
        return self._runner is not None and self._runner.is_running()

    def cancel(self) -> None:
        if self._runner is not None and self.is_running():
            self._runner.cancel()
            self.cancel_button.setEnabled(False)
            self.cancel_button.setText("Cancelling…")
            self.status_label.setText("Cancelling: stopping queued files and requests in flight…")

    # -- progress ------------------------------------------------------------------------------
    @QtCore.Slot(object)
    def on_progress(self, snap: Any) -> None:
        """Show one snapshot (GUI thread; called ≤ 10 times a second)."""
        self.last_snapshot = snap
        value = int(snap.fraction * 1000)
        behind = 0
        if snap.bytes_total and value < self._bar_max:  # bytes taken back (a retry, a cancel): never backwards
            behind = snap.bytes_total * self._bar_max // 1000 - snap.bytes_done
        self._bar_max = max(self._bar_max, value)
        self.progress_bar.setValue(self._bar_max)
        pct = self._bar_max / 10
        if snap.bytes_total:
            resend = f", re-sending {human_bytes(behind)}" if behind > 0 and self.state == RUNNING else ""
            self.progress_bar.setFormat(
                f"{pct:.0f}%  ({human_bytes(snap.bytes_done)} of {human_bytes(snap.bytes_total)}{resend})")
        else:
            self.progress_bar.setFormat(f"{pct:.0f}%")
        self._show_title()
        if self.state == RUNNING and self.cancel_button.isEnabled():
            _set_if_changed(self.status_label, snap.message or PHASE_STATUS.get(self.phase, "Starting…"))
        files = f"{snap.files_done} of {snap.files_total} {self._noun} done"
        extra = []
        if snap.files_skipped:
            extra.append(f"{snap.files_skipped} unchanged, skipped")
        if snap.files_failed:
            extra.append(f"{snap.files_failed} failed")
        self.files_label.setText(files + (f" ({', '.join(extra)})" if extra else ""))
        self.bytes_label.setText(f"{human_bytes(snap.bytes_done)} of {human_bytes(snap.bytes_total)}")
        running = self.state == RUNNING
        self.rate_label.setText(rate_text(snap) if running else "–")
        self.eta_label.setText(eta_text(snap) if running else f"{human_duration(snap.elapsed)} elapsed")
        current, current_bytes = in_flight_of(snap)
        _set_if_changed(self.in_flight_label, f"In flight ({len(current)}):")
        self.in_flight.show_files(current, current_bytes)
        if len(snap.errors) > len(self.errors):
            self._add_errors(snap.errors[len(self.errors):])
        if snap.message:
            self.log_label.setText(snap.message)
        self.snapshot.emit(snap)

    @QtCore.Slot(str)
    def on_phase(self, phase: str) -> None:
        """The job entered ``phase`` (GUI thread, queued): the title and the status line say it."""
        if self.state != RUNNING:
            return
        self.phase = phase
        self._show_title()
        if self.cancel_button.isEnabled() and not (self.last_snapshot and self.last_snapshot.message):
            _set_if_changed(self.status_label, PHASE_STATUS.get(phase, "Starting…"))

    def _show_title(self) -> None:
        _set_if_changed(self.title_label, title_text(self._title, self.destination, self.last_snapshot,
                                                     self._noun, self.phase))

    def _add_errors(self, new: Any) -> None:
        rows = []
        for path, reason in new:
            self.errors.append((str(path), str(reason)))
            if len(self.errors) <= MAX_ERROR_ROWS:
                rows.append((str(path), str(reason)))
        if rows:
            self.error_list.add(rows)
        self._show_error_section(True)
        hidden = len(self.errors) - min(len(self.errors), MAX_ERROR_ROWS)
        self.errors_label.setText(f"Errors: {len(self.errors)}" + (f" ({hidden} not listed)" if hidden else ""))

    # -- again ------------------------------------------------------------------------------------
    def retry_failed(self) -> None:
        """Run the job again for the files that failed only (unchanged files that arrived are not asked)."""
        if self.rerun is not None and not self.is_running():
            self._restart(self.rerun([path for path, _reason in self.errors]))

    def run_again(self) -> None:
        """Run the whole job again (what arrived is skipped)."""
        if self.rerun is not None and not self.is_running():
            self._restart(self.rerun(None))

    def _restart(self, job: TransferJob) -> None:
        self.errors = []
        self.error_list.forget_rows()
        self._show_error_section(False)
        self.last_snapshot = None
        self.progress_bar.setValue(0)
        self.start(job)

    # -- the end --------------------------------------------------------------------------------
    def show_result(self, result: Any) -> None:
        """Show a job's result as the final state (also used to replay a recorded transfer)."""
        self._on_succeeded(result)

    def show_error(self, err: BaseException) -> None:
        """Show a job's exception as the final state."""
        self._on_errored(err)

    @QtCore.Slot(object)
    def _on_succeeded(self, result: Any) -> None:
        """``result`` is what the job returned: a ``TransferResult`` (upload, download), or None."""
        self.result = result
        failed = [tuple(f) for f in result.failed] if isinstance(result, TransferResult) else []
        known = {e[0] for e in self.errors}
        unseen = [f for f in failed if f[0] not in known]
        if unseen:  # failures the last snapshot did not carry (e.g. refused before the transfer)
            self._add_errors(unseen)
        if isinstance(result, TransferResult) and result.cancelled:
            self._finish(CANCELLED, self._summary(result, "Cancelled"))
        elif failed:
            self._finish(DONE_WITH_ERRORS, self._summary(result, f"Done with errors ({len(failed)} failed)"))
        else:
            self._finish(DONE, self.done_message or self._summary(result, "Done"))

    @QtCore.Slot(object)
    def _on_errored(self, err: Any) -> None:
        self.error = err
        if isinstance(err, TransferCancelled):
            self._finish(CANCELLED, f"Cancelled: {err}")
            return
        message = str(err) if isinstance(err, RfsyncError) else f"{type(err).__name__}: {err}"
        self._finish(FAILED, f"Failed: {message}")

    def _summary(self, result: Any, head: str) -> str:
        known = isinstance(result, TransferResult)
        moved, skipped, _failed = result.counts if known else (0, 0, 0)
        text = f"{head}: {moved} {self._noun} transferred"
        if skipped:
            text += f", {skipped} unchanged (skipped)"
        size, seconds = (result.bytes_moved, result.duration) if known else (0, 0.0)
        text += f" — {human_bytes(size)} in {human_duration(seconds)}."
        return text

    def _finish(self, state: str, text: str) -> None:
        self.state = state
        self.phase = ""
        self._show_title()
        self._set_state_style(state)
        self.status_label.setText(text)
        self.next_label.setText(self.next_steps.get(state, ""))
        self.next_label.setVisible(bool(self.next_label.text()))
        self.cancel_button.setEnabled(False)
        self.cancel_button.setVisible(False)  # nothing to cancel any more
        self.final_buttons.show_for(state, self.error, self.rerun is not None)
        if state == DONE:
            self.progress_bar.setValue(1000)
        self.rate_label.setText("–")
        self.in_flight_label.setVisible(False)  # nothing in flight after the end: no empty block
        self.in_flight.setVisible(False)
        if self.last_snapshot is not None:
            self.eta_label.setText(f"{human_duration(self.last_snapshot.elapsed)} elapsed")
        remember(self._title, state, text, len(self.errors), self)
        if self._hidden_in_background and self._close_choice == "background" and not is_quitting():
            # a background transfer that ended says so: shown again; gone wrong, the Transfers window is raised
            if state in (DONE_WITH_ERRORS, FAILED):
                self.show_again()
                show_transfers_window(active_panels, parent=self.parentWidget())
            elif state == DONE:
                self.setAttribute(QtCore.Qt.WidgetAttribute.WA_ShowWithoutActivating, True)
                self.show()
                self._hidden_in_background = False
            self.ended_in_background.emit(state)
        self.finished.emit(state)

    @QtCore.Slot()
    def _on_stopped(self) -> None:
        # Closed by the user while running (cancel or background) and still closed: forget it now.
        if self._hidden_in_background and self.isHidden() and self in _ACTIVE:
            _ACTIVE.remove(self)
            self.deleteLater()

    def _set_state_style(self, state: str) -> None:
        """State colours from the palette (:mod:`.colors`): ≥ 4.5:1 on light and dark themes alike."""
        self._style_state = state
        apply_state_colors(state, self.palette(), self.status_label, self.progress_bar)

    def changeEvent(self, event: QtCore.QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QtCore.QEvent.Type.PaletteChange and hasattr(self, "_style_state"):
            self._set_state_style(self._style_state)  # the host switched theme

    # -- closing -----------------------------------------------------------------------------------
    def ask_close_choice(self) -> str:
        """Ask what closing a running transfer means: "cancel", "background" or "stay"."""
        return ask_close_running(self, self.reopen_hint)

    def closeEvent(self, event: QtGui.QCloseEvent) -> None:
        if self.is_running() and is_quitting():  # the application quits: the transfer was cancelled
            self._hidden_in_background = True
            event.accept()
            return
        if self.is_running():
            choice = self.ask_close_choice()
            if choice == "stay":
                event.ignore()
                return
            if choice == "cancel":
                self.cancel()
            self._close_choice = choice
            self._hidden_in_background = True
            event.accept()
            return
        if self in _ACTIVE:
            _ACTIVE.remove(self)
        event.accept()
        self.deleteLater()  # finished and closed: nothing to come back to

    def show_again(self) -> None:
        self._hidden_in_background = False
        self.show()
        self.raise_()
        self.activateWindow()

    def copy_errors(self) -> None:
        QtWidgets.QApplication.clipboard().setText(copy_text(self.errors))


def _set_if_changed(label: QtWidgets.QLabel, text: str) -> None:
    """A label's text, set only when it differs (a word-wrapped label re-lays out on every set)."""
    if label.text() != text:
        label.setText(text)


def run_in_panel(job: TransferJob, title: str, parent: Optional[QtWidgets.QWidget] = None,
                 done_message: str = "", noun: str = "files", reopen_hint: str = "",
                 destination: str = "") -> TransferPanel:
    """Create a panel, start ``job`` in it and show it (non-modal). Returns the panel."""
    panel = TransferPanel(title, parent=parent, noun=noun, reopen_hint=reopen_hint, destination=destination)
    panel.done_message = done_message
    panel.start(job)
    centre_on(panel, parent)
    panel.show()
    return panel
