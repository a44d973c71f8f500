"""A download run's small files in worker processes: the parent's side (start the pool, hand a
file over, book the worker's confirmation) and the worker's (:class:`GetInWorker`).

The worker's side is :mod:`.fetch_worker` (it builds a :class:`~.run.Run`, which imports this module).
The parent keeps the listing, the safe joins and the records lookups; a worker fetches, verifies and
renames exactly as a thread would (the same :meth:`Run._fetch <.run.Run._fetch>`), and hands back the
record rows; the parent writes them with its own, so only confirmed files are recorded. Files big
enough for ranged GETs stay in the parent (their ranges already spread over threads and their
progress is live); a file whose size is unknown (no listing) stays too (it needs a HEAD first).
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any, Callable, List, Optional

from ...errors import RfsyncError, TransferCancelled
from ..procs import WorkerPool, processes_for, worker_executable
from ..records import DownloadRecord
from .ranged import RANGED_THRESHOLD
from .result import Item


def small(item: Item) -> bool:
    """Goes to a worker: its size is known and below the ranged-GET threshold."""
    return item.info is not None and item.info.size < RANGED_THRESHOLD


def pool_for(run: Any, todo: List[Item]) -> Optional[WorkerPool]:
    """The run's worker pool (started on the first batch with enough small files), or None: threads."""
    factory = getattr(run, "worker_factory", None)
    if run.procs is not None or factory is None or run.options.processes == 1 or run.cancel.cancelled:
        return run.procs
    count = sum(1 for item in todo if small(item))
    n = processes_for(run.options.processes, count)
    exe = worker_executable()
    if n <= 1 or not count or exe is None:
        return None
    threads = max(2, -(-run.options.threads // n))
    run.procs = WorkerPool(factory, (run.client, run.local_root, run.options), processes=n, threads=threads,
                           limiter=run.limiter, cancel=run.cancel, executable=exe)
    run.limiter = run.procs.limiter  # one cap: the parent's own GETs draw on the workers' bucket
    return run.procs


def submit(run: Any, procs: WorkerPool, item: Item, target: str, rec: Optional[DownloadRecord],
           finished: Callable[[int], None]) -> Future:
    """Hand one file to a worker; its confirmation is booked by ``run`` (records, result, progress)."""
    fut = procs.submit((item, target, rec))

    def done(f: Future) -> None:
        try:
            if f.cancelled():
                return
            err = f.exception()
            if err is None:
                out, rows = f.result()
                if run.records is not None:
                    with run.lock:
                        run.pending_records.extend(rows)
                run.settle(item, out, None, counted=False)
            else:
                if not isinstance(err, TransferCancelled) and item.key not in str(err):
                    err = RfsyncError(f"{item.key}: {err}")
                run.settle(item, None, err)
        finally:
            finished(1)

    fut.add_done_callback(done)
    return fut
