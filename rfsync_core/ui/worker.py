"""Run an engine job in a background thread and talk to the GUI only through queued signals.

A *job* is ``job(progress_callback, cancel_token) -> result`` (see
:data:`rfsync_core.app.jobs.TransferJob`): an upload, a submit or a download
alike. :class:`TransferWorker` lives in a ``QThread``; the engine calls its
progress callback from its own threads (at most ~10 times a second — the
engine throttles), and each call becomes one queued ``progress`` signal. The
GUI never blocks on the worker: no ``QThread.wait()`` on the GUI thread; the
thread quits by itself when the job returns and :class:`TransferRunner` emits
``stopped`` once it is gone. The one exception is quitting the application
(:mod:`rfsync_core.ui.quitguard`): then the transfer is cancelled and its
thread waited for, bounded, so the process never destroys a running QThread.
"""

from __future__ import annotations

from typing import Any, Optional

from Qt import QtCore

from ..app.jobs import TransferJob, run_job
from ..transfer.progress import CancelToken
from .quitguard import quit_guard


class TransferWorker(QtCore.QObject):
    """Runs one job in the thread it was moved to. Its only link to widgets: the signals below."""

    progress = QtCore.Signal(object)
    """A :class:`~rfsync_core.Progress` snapshot."""
    succeeded = QtCore.Signal(object)
    """The job's result (an UploadResult / DownloadResult)."""
    errored = QtCore.Signal(object)
    """The exception the job raised."""
    phase = QtCore.Signal(str)
    """The phase the job entered (``app.jobs.PHASES``)."""

    def __init__(self, job: TransferJob, cancel: CancelToken) -> None:
        super().__init__()
        self._job = job
        self.cancel_token = cancel

    def _on_progress(self, snap: Any) -> None:
        self.progress.emit(snap)  # from any engine thread: queued to the GUI thread

    @QtCore.Slot()
    def run(self) -> None:
        try:
            result = run_job(self._job, self._on_progress, self.cancel_token, self.phase.emit)
        except BaseException as err:  # every failure reaches the panel, none is lost in the thread
            self.errored.emit(err)
        else:
            self.succeeded.emit(result)


class TransferRunner(QtCore.QObject):
    """Owns one worker and its QThread; re-emits the worker's signals in the GUI thread.

    ``stopped`` fires after the thread has finished, so the owner knows it may
    drop the runner. The QThread attribute is ``_worker_thread`` (a QObject
    attribute named ``thread`` would shadow ``QObject.thread()``).
    """

    progress = QtCore.Signal(object)
    succeeded = QtCore.Signal(object)
    errored = QtCore.Signal(object)
    phase = QtCore.Signal(str)
    stopped = QtCore.Signal()

    def __init__(self, parent: Optional[QtCore.QObject] = None) -> None:
        super().__init__(parent)
        self.cancel_token = CancelToken()
        self._worker_thread: Optional[QtCore.QThread] = None
        self._worker: Optional[TransferWorker] = None
        self._running = False

    def is_running(self) -> bool:
        """True from :meth:`start` until the worker thread has finished."""
        return self._running

    def start(self, job: TransferJob) -> None:
        if self._running:
            raise RuntimeError("a transfer is already running in this runner")
        self._running = True
        worker_thread = QtCore.QThread()
        worker_thread.setObjectName("rfsync-transfer")
        worker = TransferWorker(job, self.cancel_token)
        worker.moveToThread(worker_thread)
        queued = QtCore.Qt.ConnectionType.QueuedConnection
        worker.progress.connect(self.progress, queued)
        worker.succeeded.connect(self.succeeded, queued)
        worker.errored.connect(self.errored, queued)
        worker.phase.connect(self.phase, queued)
        # Quit the thread's event loop from the worker thread itself once the job returned.
        worker.succeeded.connect(worker_thread.quit, QtCore.Qt.ConnectionType.DirectConnection)
        worker.errored.connect(worker_thread.quit, QtCore.Qt.ConnectionType.DirectConnection)
        worker_thread.started.connect(worker.run)
        worker_thread.finished.connect(self._on_thread_finished, queued)
        self._worker_thread, self._worker = worker_thread, worker
        worker_thread.start()
        guard = quit_guard()
        if guard is not None:
            guard.add(self)

    def thread_alive(self) -> bool:
        """True while the worker thread has not ended (also before the queued ``stopped``)."""
        thread = self._worker_thread
        return thread is not None and not thread.isFinished()

    def wait_stopped(self, msecs: int) -> bool:
        """Block up to ``msecs`` for the thread to end; only for quitting (:mod:`.quitguard`)."""
        thread = self._worker_thread
        return thread is None or thread.isFinished() or bool(thread.wait(msecs))

    def cancel(self) -> None:
        """Ask the job to stop (any thread): queued files are dropped, in-flight requests aborted."""
        self.cancel_token.cancel()

    @QtCore.Slot()
    def _on_thread_finished(self) -> None:
        # ``finished`` is emitted just before the thread really ends; let it end before the QThread
        # object may be freed — polled, never QThread.wait() on the GUI thread.
        if self._worker_thread is not None and not self._worker_thread.isFinished():
            QtCore.QTimer.singleShot(5, self._on_thread_finished)
            return
        # isFinished() is already true while Qt 5 still runs the thread's last posted events (deferred
        # deletes, which need the GIL under PyQt5); freeing the QThread now would wait in ~QThread holding
        # the GIL: a deadlock. QThread.wait() releases the GIL and, the thread being done, returns at once.
        if self._worker_thread is not None:
            self._worker_thread.wait()
        self._running = False
        self._worker = None  # its thread is gone: Python frees it here, in the GUI thread
        self._worker_thread = None  # finished: safe to let Python free it
        guard = quit_guard()
        if guard is not None:
            guard.running()  # drops this runner
        self.stopped.emit()
