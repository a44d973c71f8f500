"""One upload run at work: the scheduler on the calling thread and the jobs it hands to the pool.

The calling thread keeps at most ``2 × threads`` jobs in the pool (so cancel has little to drop),
submits small files as single PUTs, and large files as a multipart *init* job whose parts are then
submitted as ordinary top-level jobs (a part never waits on the pool, so there is no deadlock), then
a *complete* job; parts of started uploads go before new files. Only this thread writes the records,
and only after the storage confirmed a file (PUT with matching MD5, or multipart complete). The
plan lives in :mod:`.plan`, the multipart state machine in :mod:`.multipart`, the storage calls in
:mod:`.send`.
"""

from __future__ import annotations

import os
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Any, Callable, Deque, Dict, List, Optional, Tuple

from ...errors import (
    ChangedDuringTransferError,
    LocalPathError,
    PartCorruptedError,
    RfsyncError,
    TransferCancelled,
)
from ...storage.base import ObjectInfo, Storage
from ..procs import WorkerPool
from ..progress import CancelToken, ProgressTracker
from ..records import Records, UploadRecord
from ..watch import ServerWatch
from .multipart import MultipartUpload
from .plan import Planner
from .result import UploadResult
from .send import Sender
from .state import FileState, Job, StaleJob, describe_error, is_fatal

_FLUSH_COUNT = 256
_FLUSH_SECONDS = 0.5


class UploadRun:
    """One run: its collaborators are handed in (the uploader's settings stay with the uploader)."""

    def __init__(self, storage: Storage, records: Records, sender: Sender, tracker: ProgressTracker,
                 cancel: CancelToken, result: UploadResult, pid: str, *, threads: int, use_records: bool,
                 recheck: bool, stop_on_error: bool, watch: Optional[ServerWatch] = None,
                 start_procs: Optional[Callable[[int], Optional[WorkerPool]]] = None) -> None:
        self.storage = storage
        self.records = records
        self.sender = sender
        self.tracker = tracker
        self.result = result
        self.token = cancel
        self.pid = pid
        self.threads = threads
        self.use_records = use_records
        self.stop_on_error = stop_on_error
        self.threshold = storage.multipart_threshold
        self.files: List[FileState] = []
        self.queue: Deque[FileState] = deque()
        """Files not started yet: the files themselves, their job made as each is taken (a job tuple per file
        for 10,000 files would be 10,000 more long-lived objects for the interpreter's full collections, which
        stop every thread of a host's process: the panel's stall benchmark)."""
        self.part_queue: Deque[Job] = deque()
        self.in_flight: Dict[Future, Job] = {}
        self.planner = Planner(storage, records, sender, tracker, cancel, pid, use_records=use_records,
                               recheck=recheck)
        self.multipart = MultipartUpload(
            storage, records, sender, tracker, cancel, result, pid,
            min_part_size=storage.min_part_size,
            server_has=self.planner.server_has, jobs=self.part_queue, use_records=use_records,
        )
        self.parts_in_flight = 0
        self.part_slots = min(threads, max(4, 2 * (os.cpu_count() or 1)))
        """Parts sent at once. Each part stream costs client CPU (read, MD5, send): beyond about two
        per core they compete for it instead of adding throughput (measured in bench/, 2 cores:
        4 parts at once beat 8 by ~15%). Small files still use every thread."""
        self.pending_records: List[UploadRecord] = []
        self.last_flush = time.monotonic()
        self.stop_reason = ""
        self.watch = watch
        self.start_procs = start_procs if not recheck else None
        self.procs: Optional[WorkerPool] = None
        """Worker processes for small files (None: this process's threads do everything)."""

    def _restat(self, f: FileState) -> None:
        st = os.stat(f.local)
        f.size, f.mtime_ns = st.st_size, st.st_mtime_ns

    # -- plan ------------------------------------------------------------------
    def execute(self, items: List[Tuple[str, str]], pre_failed: List[Tuple[str, str]],
                keys_checked: bool = False) -> None:
        """Plan (stat, records) and run. ``keys_checked``: the keys came from :func:`paths.input_key`."""
        self.files, failed = self.planner.stat(items, keys_checked)
        failed = list(pre_failed) + failed
        for f in self.files:
            self.result.keys[f.local] = f.key
        self.tracker.add_total(files=len(self.files) + len(failed), nbytes=sum(f.size for f in self.files))
        for local, reason in failed:
            self._fail_plain(local, reason)
        if failed and self.stop_on_error:
            self.stop_reason = f"stopped after an earlier failure ({failed[0][0]})"

        todo, skip = self.planner.split_skips(self.files)
        for f in skip:
            f.state = "skipped"
            self.result.skipped.append(f.local)
        for f in todo:
            if self.token.cancelled:
                break
            if not os.access(f.local, os.R_OK):
                self._fail(f, LocalPathError(f"{f.local}: cannot read: permission denied"))
                continue
            self._enqueue(f)
        small = sum(1 for f in self.queue if self._kind(f) == "small")
        if self.start_procs is not None and small and not self.token.cancelled:
            self.procs = self.start_procs(small)
            if self.procs is not None:
                self.sender.limiter = self.procs.limiter  # one cap: the workers share this bucket
        try:
            self._loop()
        finally:
            if self.procs is not None:
                self.procs.close()

    # -- scheduling ---------------------------------------------------------------
    def _enqueue(self, f: FileState) -> None:
        self.queue.append(f)

    def _kind(self, f: FileState) -> str:
        return "init" if f.size >= self.threshold and f.size > 0 else "small"

    def _submit(self, pool: ThreadPoolExecutor, job: Job) -> None:
        kind, f, extra = job
        mp = self.multipart
        jobs: Dict[str, Callable[[FileState, Any], Any]] = {
            "small": self._job_small, "init": mp.job_init, "part": mp.job_part,
            "complete": mp.job_complete, "abort": mp.job_abort,
        }
        if kind == "small" and self.procs is not None and not f.verify:  # a worker process does not HEAD
            self.in_flight[self.procs.submit((f.local, f.key, f.size, f.mtime_ns))] = job
            return
        fn = jobs[kind]
        self.in_flight[pool.submit(fn, f, extra)] = job
        if kind == "part":
            self.parts_in_flight += 1

    def _next_job(self) -> Optional[Job]:
        """Parts of started uploads first (while part slots are free), then new files."""
        if self.part_queue and (self.part_queue[0][0] != "part" or self.parts_in_flight < self.part_slots):
            return self.part_queue.popleft()
        if not self.queue:
            return None
        f = self.queue.popleft()
        return (self._kind(f), f, f.gen)

    def _loop(self) -> None:
        limit = self.threads * 2 + (self.procs.capacity if self.procs is not None else 0)
        with ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="rfsync-up") as pool:
            try:
                while True:
                    if self.watch is not None and self.watch.gone() and not self.stop_reason:
                        self.stop_reason = self.watch.reason()
                    if self.token.cancelled or self.stop_reason:
                        self.queue.clear()
                        self.part_queue.clear()
                    while len(self.in_flight) < limit:
                        job = self._next_job()
                        if job is None:
                            break
                        self._submit(pool, job)
                    if self.procs is not None:
                        self.procs.flush()
                    if not self.in_flight:
                        break
                    done, _ = wait(list(self.in_flight), timeout=0.25, return_when=FIRST_COMPLETED)
                    for fut in done:
                        job = self.in_flight.pop(fut)
                        if job[0] == "part":
                            self.parts_in_flight -= 1
                        self._handle(job, fut)
                    self._flush_records()
            finally:
                if self.in_flight:  # only on an unexpected error in the scheduler itself
                    self.token.cancel()
                    for fut in list(self.in_flight):
                        try:
                            fut.result()
                        except BaseException:
                            pass
                self._flush_records(force=True)
        if self.stop_reason:
            for f in self.files:
                if f.state == "pending":
                    self._fail(f, RfsyncError(f"{f.local}: not uploaded: {self.stop_reason}"))
        if self.watch is not None and self.watch.gone():
            not_sent = sum(1 for f in self.files if f.state not in ("done", "skipped"))
            self.result.stopped = self.watch.message(not_sent)
            self.tracker.set_message(self.result.stopped)

    def _handle(self, job: Job, fut: Future) -> None:
        kind, f, extra = job
        try:
            out = fut.result()
        except StaleJob:
            return
        except TransferCancelled as err:
            if self.token.cancelled:
                return  # cancelled: neither uploaded nor failed
            self._job_failed(kind, f, err)
            return
        except BaseException as err:  # every worker exception is collected, none is lost
            self._job_failed(kind, f, err)
            return
        if kind == "abort":
            return
        if f.state != "pending":
            return
        if kind == "small":
            self._small_done(f, out)
        elif kind == "init":
            if not self.multipart.init_done(f, out):
                self._skip_after_check(f)
        elif kind == "part":
            self.multipart.part_done(f, extra, out)
        elif kind == "complete":
            self._finished(f, self.multipart.complete_done(f, out), 0)

    def _job_failed(self, kind: str, f: FileState, err: BaseException) -> None:
        if f.state != "pending":
            return
        if kind == "part" and isinstance(err, StaleJob):
            return
        if (isinstance(err, ChangedDuringTransferError) and kind in ("part", "complete", "init")) or (
            isinstance(err, PartCorruptedError) and kind == "part"
        ):
            # a multipart file changed, or the server stored a corrupted part (some servers can't replace
            # one): drop that upload; start again once, then fail
            f.gen += 1
            self.multipart.drop(f)
            if f.change_retries < 1:
                f.change_retries += 1
                try:
                    self._restat(f)
                except OSError as os_err:
                    self._fail(f, os_err)
                    return
                self.part_queue.append(("init", f, f.gen))  # after its abort, before new files (as before)
                return
        if isinstance(err, LocalPathError) and kind in ("part", "complete") and f.upload_id:
            f.gen += 1
            self.multipart.drop(f)  # the local file is gone: its partial upload can't be resumed
        self._fail(f, err)
        if is_fatal(err) and not self.stop_reason:
            self.stop_reason = str(err)
        elif self.stop_on_error and not self.stop_reason:
            self.stop_reason = f"stopped after an earlier failure ({f.local})"

    def _fail_plain(self, local: str, reason: str) -> None:
        self.result.failed.append((local, reason))
        self.tracker.file_failed(local, reason)

    def _fail(self, f: FileState, err: BaseException) -> None:
        f.state = "failed"
        f.gen += 1
        self._fail_plain(f.local, describe_error(f.local, err))

    # -- records ---------------------------------------------------------------
    def _record(self, f: FileState, etag: str) -> None:
        if self.use_records:
            self.pending_records.append(UploadRecord(f.key, f.local, f.size, f.mtime_ns, etag))
            self._flush_records()

    def _flush_records(self, force: bool = False) -> None:
        if not self.pending_records:
            return
        now = time.monotonic()
        if force or len(self.pending_records) >= _FLUSH_COUNT or now - self.last_flush >= _FLUSH_SECONDS:
            rows, self.pending_records = self.pending_records, []
            self.records.put_uploads(self.pid, rows)
            self.last_flush = now

    def _finished(self, f: FileState, info: ObjectInfo, sent: int, uncounted: int = 0) -> None:
        f.state = "done"
        self._record(f, info.etag)
        self.result.uploaded.append(f.local)
        self.result.bytes_sent += sent
        self.tracker.file_done(f.local, nbytes=uncounted)

    # -- small files -------------------------------------------------------------
    def _job_small(self, f: FileState, gen: int) -> Tuple[Any, ...]:
        self.token.check()
        self.tracker.start_file(f.local, f.size)
        if self.planner.server_has(f):
            return ("skipped", None, 0)
        info, sent = self.sender.put_small(self.storage, f)
        return ("done", info, sent)

    def _small_done(self, f: FileState, out: Tuple[Any, ...]) -> None:
        what, info, sent = out[:3]
        uncounted = 0
        if len(out) == 5:  # from a worker process: the size and mtime it sent; bytes counted here
            f.size, f.mtime_ns, uncounted = out[3], out[4], sent
        if what == "skipped":
            self._skip_after_check(f)
            return
        self._finished(f, info, sent, uncounted)

    def _skip_after_check(self, f: FileState) -> None:
        f.state = "skipped"
        self._record(f, "")
        self.result.skipped.append(f.local)
        self.tracker.file_done(f.local, skipped=True, nbytes=f.size)
