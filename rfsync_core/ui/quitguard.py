"""Safe quit: the application never ends while a transfer thread still runs.

Why: a ``QThread`` destroyed while running aborts the whole process ("QThread: Destroyed while thread is
still running", exit 134 on PySide2/PySide6; PyQt5 silently kills the upload) — in Maya or Houdini that
is a crash on exit. So every running :class:`~rfsync_core.ui.worker.TransferRunner` registers here, and:

* where Qt gives a chance to ask — the host's main window gets a close event — the artist is asked:
  "Cancel and quit — it resumes next time" or "Don't quit" (keeping it running is impossible: the process
  ends); Qt 6's ``quit()`` closes every window first, so the panel's own close question comes up there;
* in any case, on ``QCoreApplication.aboutToQuit`` (no chance to ask: Qt 5's ``quit()``, ``exit()``) every
  transfer is cancelled and its thread waited for, bounded (:data:`QUIT_WAIT_S`), so it ends cleanly: the
  engine never records a file it did not finish, and a rerun resumes.

No application-wide event filter: measured with ``bench/bench_ui_stall.py``, a Python filter on every
GUI event doubled the p99 stall and slowed the upload (GIL). Only the host's main window is filtered.
Whether a host's own quit path (Maya's ``quit``
command, Houdini's ``hou.exit``) sends a close event to its main window first is unconfirmed; the
``aboutToQuit`` path does not depend on it.
"""

from __future__ import annotations

import sys
import time
from typing import Any, List, Optional

from Qt import QtCore, QtWidgets

QUIT_WAIT_S = 3.0
"""How long quitting waits, in all, for cancelled transfers to end (the engine stops within about 1 s)."""

CANCEL_AND_QUIT = "Cancel and quit — it resumes next time"
DONT_QUIT = "Don't quit"


class QuitGuard(QtCore.QObject):
    """One per application (:func:`quit_guard`): knows the running transfers and stops them on quit."""

    def __init__(self, app: QtCore.QCoreApplication) -> None:
        super().__init__()
        self._app = app
        self._runners: List[Any] = []
        self._windows: List[Any] = []
        self.quitting = False
        """True once the artist chose to quit (or the application is quitting): panels close without asking."""
        self.ask_enabled = True
        """False: never ask (e.g. a headless session); quitting cancels and waits."""
        app.aboutToQuit.connect(self.stop_all)

    # -- registry ---------------------------------------------------------------------------------
    def add(self, runner: Any) -> None:
        """A runner started its thread (GUI thread)."""
        self._forget_stopped()
        if runner not in self._runners:
            self._runners.append(runner)

    def watch_window(self, window: Optional[QtWidgets.QWidget]) -> None:
        """Ask before this window (the host's main window) closes while a transfer runs."""
        if window is None or any(w is window for w in self._windows):
            return
        self._windows.append(window)
        window.installEventFilter(self)
        window.destroyed.connect(lambda *_: self._drop_window(window))

    def _drop_window(self, window: Any) -> None:
        self._windows = [w for w in self._windows if w is not window]

    def running(self) -> List[Any]:
        """Runners whose thread has not ended yet."""
        self._forget_stopped()
        return list(self._runners)

    def _forget_stopped(self) -> None:
        self._runners = [r for r in self._runners if r.thread_alive()]

    # -- quitting ---------------------------------------------------------------------------------
    def eventFilter(self, obj: Any, event: Any) -> bool:
        if (event.type() == QtCore.QEvent.Type.Close and any(w is obj for w in self._windows)
                and not self._may_quit(obj)):
            event.ignore()
            return True
        return False

    def _may_quit(self, parent: Optional[QtWidgets.QWidget]) -> bool:
        """Ask when transfers run; True lets the quit (or the host window's close) go on, cancelled."""
        if self.quitting or not self.running():
            return True
        if self.ask_enabled and not ask_quit(parent, len(self.running())):
            return False
        self.quitting = True
        self.stop_all()
        return True

    @QtCore.Slot()
    def stop_all(self) -> None:
        """Cancel every transfer and wait (bounded) for its thread to end — the one wait on the GUI thread."""
        self.quitting = True
        runners = self.running()
        for runner in runners:
            runner.cancel()
        deadline = time.monotonic() + QUIT_WAIT_S
        for runner in runners:
            left_ms = max(0, int((deadline - time.monotonic()) * 1000))
            if not runner.wait_stopped(left_ms):
                _LEFT_RUNNING.append(runner)  # never let Python free a running QThread
                print("rfsync: a transfer did not stop in time; it ends with the application",
                      file=sys.stderr)
        self._forget_stopped()


_LEFT_RUNNING: List[Any] = []
_GUARD: List[QuitGuard] = []


def quit_guard() -> Optional[QuitGuard]:
    """The application's guard (created on first use); None without a QCoreApplication."""
    app = QtCore.QCoreApplication.instance()
    if app is None:
        return None
    for guard in _GUARD:
        if guard._app is app:
            return guard
    guard = QuitGuard(app)
    _GUARD.append(guard)
    return guard


def is_quitting() -> bool:
    guard = quit_guard()
    return guard is not None and guard.quitting


def ask_quit(parent: Optional[QtWidgets.QWidget], count: int) -> bool:
    """The question: True for "Cancel and quit", False for "Don't quit" (the default, and Escape)."""
    box = QtWidgets.QMessageBox(parent)
    box.setIcon(QtWidgets.QMessageBox.Icon.Warning)
    box.setWindowTitle("Quit while a transfer runs?")
    box.setText("A transfer is still running." if count == 1 else f"{count} transfers are still running.")
    box.setInformativeText("Quitting cancels it. Files that already arrived are kept; run it again "
                           "next time and it continues where it stopped.")
    quit_btn = box.addButton(CANCEL_AND_QUIT, QtWidgets.QMessageBox.ButtonRole.DestructiveRole)
    stay_btn = box.addButton(DONT_QUIT, QtWidgets.QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(stay_btn)
    box.setEscapeButton(stay_btn)
    run = getattr(box, "exec", None) or box.exec_  # exec_ is deprecated in PySide6, absent in PyQt6
    run()
    return box.clickedButton() is quit_btn


def ask_close_running(parent: QtWidgets.QWidget, reopen_hint: str = "") -> str:
    """Ask what closing a running transfer's window means: "cancel", "background" or "stay"."""
    box = QtWidgets.QMessageBox(parent)
    box.setIcon(QtWidgets.QMessageBox.Icon.Question)
    box.setWindowTitle("Transfer still running")
    box.setText("The transfer is still running.")
    hint = f" ({reopen_hint} brings this window back.)" if reopen_hint else ""
    box.setInformativeText(f"Cancel it, or keep it running in the background?{hint}")
    cancel_btn = box.addButton("Cancel transfer", QtWidgets.QMessageBox.ButtonRole.DestructiveRole)
    keep_btn = box.addButton("Keep running in background", QtWidgets.QMessageBox.ButtonRole.AcceptRole)
    stay_btn = box.addButton("Don't close", QtWidgets.QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(keep_btn)
    box.setEscapeButton(stay_btn)
    run = getattr(box, "exec", None) or box.exec_  # exec_ is deprecated in PySide6, absent in PyQt6
    run()
    clicked = box.clickedButton()
    if clicked is cancel_btn:
        return "cancel"
    if clicked is keep_btn:
        return "background"
    return "stay"
