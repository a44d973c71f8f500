"""The parent's side of the worker processes: spawn them, hand out batches, turn their replies into
futures, and make sure none outlives the run.

* **Spawn**, never fork (a host's threads and locks must not be copied), on the interpreter
  :func:`.interpreter.worker_executable` chose. ``multiprocessing``'s ``set_executable`` is
  module-global even when called on a context (CPython ``multiprocessing/context.py``), so it is set
  only around each ``start()`` under a lock and put back at once.
* **Backpressure**: each worker holds at most ``2 × threads`` files; the rest wait here, so cancel has
  little to drop and a crash loses little.
* **One cap**: the run's :class:`~rfsync_core.transfer.throttle.SharedTokenBucket` goes to every worker.
* **Cancel**: one event every worker watches (10 Hz); pending files are dropped by the reader thread
  within 0.5 s (never inside the cancel call, which may come from a progress callback).
* **Crash**: a worker that ends without confirming its files fails exactly those files (one line
  each, reported with every other failure); the other workers go on.
* **Parent killed**: each worker watches its parent and its task pipe and exits (:mod:`.worker`).
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection as mpc
import sys
import threading
from collections import deque
from concurrent.futures import Future
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from multiprocessing import spawn
from typing import Any, Callable, Deque, Dict, Iterator, List, Optional, Tuple

from ...errors import RfsyncError, TransferCancelled
from ..progress import CancelToken
from ..throttle import SharedTokenBucket, TokenBucket
from .worker import CRASH_ENV, WORKER_NAME, worker_main

__all__ = ["CRASH_ENV", "WorkerPool"]

_EXE_LOCK = threading.Lock()


@contextmanager
def _starting(exe: Optional[str]) -> Iterator[None]:
    """Around one ``Process.start()``: the chosen interpreter, and no re-run of the parent's main script.

    A spawned child normally re-runs the parent's ``__main__`` file (as ``__mp_main__``); a host's batch
    script (``rfsync_batch.py`` runs at top level, by design) would open the scene again in every
    worker. A main module whose spec is named ``__main__`` is skipped by the child (CPython
    ``multiprocessing/spawn.py``, ``_fixup_main_from_name``, the ``python -m`` case), so that is what
    the main module says while its children are prepared; both are put back at once."""
    main = sys.modules.get("__main__")
    with _EXE_LOCK:
        old_exe = spawn.get_executable()
        old_spec = getattr(main, "__spec__", None)
        if exe:
            spawn.set_executable(exe)
        if main is not None and old_spec is None:
            main.__spec__ = ModuleSpec("__main__", None)
        try:
            yield
        finally:
            if main is not None and old_spec is None:
                main.__spec__ = None
            spawn.set_executable(old_exe)


class _Worker:
    def __init__(self, proc: Any, tasks: Any, results: Any) -> None:
        self.proc = proc
        self.tasks = tasks
        self.results = results
        self.jobs: Dict[int, Future] = {}
        self.alive = True


class WorkerPool:
    """N spawned workers running ``factory(limiter, token, *args).run(payload)`` for each payload."""

    def __init__(self, factory: Callable[..., Any], args: Tuple[Any, ...], *, processes: int, threads: int,
                 limiter: TokenBucket, cancel: CancelToken, executable: Optional[str] = None) -> None:
        ctx = multiprocessing.get_context("spawn")
        self._cancel = cancel
        self.limiter: TokenBucket = (SharedTokenBucket(limiter.rate, ctx, burst=limiter.burst)
                                     if limiter.rate is not None else limiter)
        """The cap to use in the parent too (shared with the workers when there is one)."""
        self.cap = 2 * threads
        self._lock = threading.RLock()  # a future's callback may cancel the run, which takes it again
        self._pending: Deque[Tuple[int, Any, Future]] = deque()
        self._next_id = 0
        self._closing = False
        self._event = ctx.Event()
        shared = self.limiter if isinstance(self.limiter, SharedTokenBucket) else None
        self._workers: List[_Worker] = []
        try:
            for i in range(processes):
                task_r, task_w = ctx.Pipe(duplex=False)
                res_r, res_w = ctx.Pipe(duplex=False)
                proc = ctx.Process(target=worker_main, name=f"{WORKER_NAME}{i}", daemon=True,
                                   args=(task_r, res_w, self._event, shared, factory, args, threads))
                with _starting(executable):
                    proc.start()
                task_r.close()
                res_w.close()
                self._workers.append(_Worker(proc, task_w, res_r))
        except BaseException:
            self._closing = True
            self._stop_all()
            raise
        self._reader = threading.Thread(target=self._read, name="rfsync-workers-read", daemon=True)
        self._reader.start()
        cancel.on_cancel(self._on_cancel)

    @property
    def capacity(self) -> int:
        """Files the workers hold at most at once."""
        return self.cap * len(self._workers)

    @property
    def pids(self) -> List[int]:
        return [w.proc.pid for w in self._workers]

    # -- parent API ----------------------------------------------------------------
    def submit(self, payload: Any) -> Future:
        """A future for ``payload``'s result; it is sent with the next batch (:meth:`flush`)."""
        fut: Future = Future()
        with self._lock:
            if self._cancel.cancelled:
                fut.set_exception(TransferCancelled("transfer cancelled"))
                return fut
            self._pending.append((self._next_id, payload, fut))
            self._next_id += 1
            full = len(self._pending) >= self.cap
        if full:
            self.flush()
        return fut

    def flush(self) -> None:
        """Hand pending payloads to the least busy workers (each up to its cap)."""
        with self._lock:
            self._dispatch()

    def close(self, timeout: float = 10.0) -> None:
        """Let the workers finish what they hold, then end them (terminate after ``timeout``)."""
        with self._lock:
            self._closing = True
            self._drop_pending(RfsyncError("not transferred: the run ended"))
        self._stop_all(timeout)
        self._reader.join(timeout=5)
        with self._lock:
            for w in self._workers:
                self._fail_jobs(w, "ended")

    # -- inside ----------------------------------------------------------------------
    def _dispatch(self) -> None:
        if self._cancel.cancelled:
            self._drop_pending(TransferCancelled("transfer cancelled"))
            return
        live = [w for w in self._workers if w.alive]
        if not live:
            self._drop_pending(RfsyncError("not transferred: every worker process has ended"))
            return
        while self._pending:
            w = min(live, key=lambda x: len(x.jobs))
            room = self.cap - len(w.jobs)
            if room <= 0:
                return
            batch: List[Tuple[int, Any]] = []
            while self._pending and len(batch) < room:
                job_id, payload, fut = self._pending.popleft()
                if not fut.set_running_or_notify_cancel():
                    continue  # cancelled by its caller
                w.jobs[job_id] = fut
                batch.append((job_id, payload))
            if not batch:
                continue
            try:
                w.tasks.send(batch)
            except OSError:  # it died between two reads: the reader fails its jobs
                w.alive = False
                live.remove(w)
                if not live:
                    self._drop_pending(RfsyncError("not transferred: every worker process has ended"))
                    return

    def _drop_pending(self, err: BaseException) -> None:
        while self._pending:
            _job_id, _payload, fut = self._pending.popleft()
            if fut.set_running_or_notify_cancel():
                fut.set_exception(err)

    def _fail_jobs(self, w: _Worker, how: str) -> None:
        code = w.proc.exitcode
        for fut in w.jobs.values():
            if self._cancel.cancelled:
                fut.set_exception(TransferCancelled("transfer cancelled"))
            else:
                fut.set_exception(RfsyncError(
                    f"worker process {w.proc.pid} {how} (exit code {code}) before confirming it; not recorded"))
        w.jobs.clear()

    def _settle(self, w: _Worker, replies: List[Tuple[int, bool, Any]]) -> None:
        with self._lock:
            futs = [(w.jobs.pop(job_id, None), ok, value) for job_id, ok, value in replies]
        for fut, ok, value in futs:
            if fut is None:
                continue
            if ok:
                fut.set_result(value)
            else:
                fut.set_exception(value)

    def _read(self) -> None:
        by_conn = {w.results: w for w in self._workers}
        by_sentinel = {w.proc.sentinel: w for w in self._workers}
        while by_conn or by_sentinel:
            ready = mpc.wait(list(by_conn) + list(by_sentinel), timeout=0.5)
            for obj in ready:
                if obj in by_conn:
                    w = by_conn[obj]
                    try:
                        self._settle(w, w.results.recv())
                    except (EOFError, OSError):
                        del by_conn[obj]
                elif obj in by_sentinel:
                    w = by_sentinel.pop(obj)
                    try:
                        while w.results.poll():
                            self._settle(w, w.results.recv())
                    except (EOFError, OSError):
                        pass
                    by_conn.pop(w.results, None)
                    with self._lock:
                        w.alive = False
                        self._fail_jobs(w, "ended" if self._closing else "ended unexpectedly")
            with self._lock:
                if not self._closing or self._cancel.cancelled:
                    self._dispatch()

    def _on_cancel(self) -> None:
        """Stop the workers now; the pending files are failed by the reader (within 0.5 s), not here:
        cancel may come from inside a progress delivery that those files' callbacks would wait for."""
        self._event.set()

    def _stop_all(self, timeout: float = 10.0) -> None:
        for w in self._workers:
            try:
                w.tasks.send(None)
            except OSError:
                pass
        for w in self._workers:
            w.proc.join(timeout)
            if w.proc.is_alive():
                w.proc.terminate()
                w.proc.join(2)
            if w.proc.is_alive():
                w.proc.kill()
                w.proc.join(2)
