"""A worker process's side: receive batches of files, move them on a few threads, send back each
confirmation (or error) as it happens, and stop with the run's cancel event or when the parent dies.

Started by :class:`~.pool.WorkerPool` (spawn): everything it needs arrives as ``Process`` arguments.
What a file's job is comes from the ``factory`` (built here, in the worker): the upload's
:class:`~rfsync_core.transfer.upload.send.PutInWorker` or the download's
:class:`~rfsync_core.transfer.download.inworker.GetInWorker`. The worker never writes the records:
the parent does, from these confirmations.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import queue
import signal
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, List, Optional, Tuple

from ...errors import RfsyncError
from ..progress import CancelToken
from ..throttle import TokenBucket

WORKER_NAME = "rfsync-worker-"
"""Every worker process's name starts so (set before its target is unpickled, i.e. before this import)."""
if multiprocessing.current_process().name.startswith(WORKER_NAME):
    # As early as a spawned worker can: Ctrl-C reaches the parent (which cancels every worker), and a
    # worker still starting must not die of it with a traceback. Never runs in the parent (a host).
    signal.signal(signal.SIGINT, signal.SIG_IGN)

CRASH_ENV = "RFSYNC_TEST_WORKER_EXIT_AFTER"
"""Test seam: a worker ends with ``os._exit(CRASH_CODE)`` on receiving its N-th file (a crash)."""
CRASH_CODE = 70
PARENT_GONE_CODE = 71
Reply = Tuple[int, bool, Any]


def portable(err: BaseException) -> BaseException:
    """``err`` if it survives pickling as the same type (so the parent can tell fatal from per-file
    errors), else an :class:`RfsyncError` with its one-line text."""
    try:
        back = pickle.loads(pickle.dumps(err))
        if type(back) is type(err):
            return err
    except Exception:  # some exception types don't rebuild from their args
        pass
    return RfsyncError(str(err) or type(err).__name__)


def _watch(cancel_event: Any, token: CancelToken) -> None:
    """Cancel this worker's traffic when the run is cancelled; exit when the parent is gone."""
    parent = multiprocessing.parent_process()
    while not token.cancelled:
        if cancel_event.wait(0.1):
            token.cancel()
            return
        if parent is not None and not parent.is_alive():
            token.cancel()
            os._exit(PARENT_GONE_CODE)


def _send_replies(out: queue.Queue[Optional[Reply]], conn: Any) -> None:
    """The one thread that writes the result pipe: whatever is ready goes as one message."""
    while True:
        first = out.get()
        if first is None:
            return
        batch: List[Reply] = [first]
        last = False
        while len(batch) < 256:
            try:
                nxt = out.get_nowait()
            except queue.Empty:
                break
            if nxt is None:
                last = True
                break
            batch.append(nxt)
        try:
            conn.send(batch)
        except OSError:  # the parent is gone: nobody to confirm to
            os._exit(PARENT_GONE_CODE)
        if last:
            return


def _run_one(runner: Any, job_id: int, payload: Any, out: queue.Queue[Optional[Reply]]) -> None:
    try:
        out.put((job_id, True, runner.run(payload)))
    except BaseException as err:  # every error goes back to the parent, none is lost here
        out.put((job_id, False, portable(err)))


def worker_main(tasks: Any, results: Any, cancel_event: Any, limiter: Optional[TokenBucket],
                factory: Callable[..., Any], args: Tuple[Any, ...], threads: int) -> None:
    """The worker's entry point (the ``Process`` target)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # our own process: Ctrl-C reaches the parent, which cancels
    token = CancelToken()
    crash_after = int(os.environ.get(CRASH_ENV, "0") or 0)
    runner = factory(limiter if limiter is not None else TokenBucket(None), token, *args)
    out: queue.Queue[Optional[Reply]] = queue.Queue()
    threading.Thread(target=_watch, args=(cancel_event, token), name="rfsync-proc-watch", daemon=True).start()
    replies = threading.Thread(target=_send_replies, args=(out, results), name="rfsync-proc-reply", daemon=True)
    replies.start()
    received = 0
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="rfsync-proc")
    try:
        while True:
            try:
                batch = tasks.recv()
            except (EOFError, OSError):  # the parent closed its end or died
                token.cancel()
                break
            if batch is None:
                break
            for job_id, payload in batch:
                received += 1
                if crash_after and received >= crash_after:
                    os._exit(CRASH_CODE)
                pool.submit(_run_one, runner, job_id, payload, out)
    finally:
        pool.shutdown(wait=True)
        out.put(None)
        replies.join(timeout=10)
        runner.close()
