"""One download call at work: its storage, tracker, records, worker pool, and the per-file steps
(skip or fetch, ``.part`` and its checks in :mod:`.fill`, rename, record)."""

from __future__ import annotations

import concurrent.futures as cf
import os
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Dict, Iterable, List, Optional, Set, Tuple

from ..._files import is_md5, md5_file
from ...client import Client
from ...errors import (
    NotFoundError,
    RfsyncError,
    StorageError,
    TransferCancelled,
    UnsafePathError,
)
from ...farm import TaskStatus, read_task_status
from ...paths import SafeJoiner
from ...storage.base import ObjectInfo, Storage
from ..procs import WorkerPool
from ..progress import CancelToken, ProgressCallback, ProgressTracker
from ..records import DownloadRecord, Records
from ..retry import retry_call
from ..throttle import TokenBucket
from ..watch import ServerWatch
from . import inworker
from .fill import PartFiller
from .gate import ConcurrencyGate
from .part import HASH_CHUNK, PART_SUFFIX
from .ranged import (
    RANGE_STREAMS,
    RANGED_THRESHOLD,
)
from .result import DownloadResult, Item, keep_both_name, record_key, version_tag

StatusCallback = Callable[[TaskStatus], None]


@dataclass(frozen=True)
class FetchOptions:
    """How every run of one :class:`~.downloader.Downloader` fetches (its settings, handed to each run)."""

    threads: int = 8
    on_exists: str = "replace"
    durable: bool = False
    range_streams: int = RANGE_STREAMS
    ranged_threshold: int = RANGED_THRESHOLD
    range_size: Optional[int] = None
    dead_server_window: Optional[float] = None
    """Seconds of only connection errors / 5xx before a run stops (None: ``watch.DEAD_SERVER_WINDOW``)."""
    processes: Optional[int] = 1
    """Worker processes for small files (1: threads only; None: cores - 1 for many small files)."""


_BATCH = 256
"""Items prepared (safe_join + one records query) per batch before they are handed to the workers."""


class Run(PartFiller):
    """One public call: its own storage (interruptible), tracker, records and thread pool."""

    options: FetchOptions

    def __init__(self, client: Client, local_root: str, options: FetchOptions, *, limiter: TokenBucket,
                 cancel: CancelToken, progress: Optional[ProgressCallback] = None, use_records: bool = True,
                 on_status: Optional[StatusCallback] = None) -> None:
        self.options = options
        self.local_root = local_root
        self.client, self.platform = client, client.platform
        self.procs: Optional[WorkerPool] = None
        self.worker_factory: Optional[Callable[..., Any]] = None  # set by the Downloader
        self.limiter = limiter
        self.on_status = on_status
        self.cancel = cancel
        self.tracker = ProgressTracker(progress, self.cancel)
        self.storage: Storage = client.new_storage()
        self.cancel.on_cancel(self.storage.interrupt)
        self.records: Optional[Records] = Records(client.records_path) if use_records else None
        self.result = DownloadResult()
        self.lock = threading.Lock()
        self.pool = cf.ThreadPoolExecutor(max_workers=options.threads, thread_name_prefix="rfsync-dl")
        self.start = time.monotonic()
        self.task_messages: Dict[str, str] = {}
        self.seen_keys: Set[str] = set()
        self.made_dirs: Set[str] = set()
        self.joiner = SafeJoiner(local_root)
        self.pending_records: List[Tuple[str, str, int, str, int]] = []
        """Downloads confirmed but not yet written to the records (written in batches by the calling
        thread: one transaction per batch instead of one per file from every worker). A killed process
        loses only these rows; the next run finds those files complete and checks them by MD5."""
        self.gate = ConcurrencyGate(options.threads, start=min(options.threads, 4))
        self.stopped = threading.Event()
        self.cancel.on_cancel(self.stopped.set)
        self.watch = ServerWatch(self.platform.endpoint or self.platform.name, options.dead_server_window)
        self.planned = 0

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        if self.procs is not None:
            self.procs.close()
        if self.records is not None:
            try:
                self.flush_records()
            finally:
                self.records.close()
        try:
            self.storage.close()
        except Exception:
            pass
        self.result.duration = time.monotonic() - self.start
        self.result.cancelled = self.result.cancelled or self.cancel.cancelled
        if self.watch.gone():
            not_sent = max(0, self.planned - len(self.result.downloaded) - len(self.result.skipped))
            self.result.stopped = self.watch.message(not_sent)
            self.tracker.set_message(self.result.stopped)
        self.tracker.finish()

    # -- bookkeeping ---------------------------------------------------------
    def fail(self, what: str, reason: str) -> None:
        with self.lock:
            self.result.failed.append((what, reason))

    def fail_frame(self, task_id: str, frame: str, reason: str) -> None:
        with self.lock:
            self.result.failed_frames.append((task_id, frame, reason))
            self.result.failed.append((f"task {task_id} frame {frame}", reason))
        self.tracker.set_message(f"task {task_id}: frame {frame} {reason}")

    def note_status(self, status: TaskStatus) -> None:
        self.result.tasks[status.task_id] = status
        self.task_messages[status.task_id] = status.summary()
        self.tracker.set_message("; ".join(self.task_messages.values()))
        if self.on_status is not None:
            try:
                self.on_status(status)
            except Exception:  # a display callback must not break the transfer
                pass

    def note_hidden(self, where: str, count: int) -> None:
        """Hidden names skipped in a listing: counted in the result and said in the progress."""
        if count:
            with self.lock:
                self.result.hidden_skipped += count
            self.tracker.set_message(f"{where}: skipped {count} hidden file{'s' if count != 1 else ''}")

    def message(self, text: str) -> None:
        self.tracker.set_message(text)

    def read_status(self, task_id: str) -> TaskStatus:
        return retry_call(read_task_status, self.storage, task_id, cancel=self.cancel,
                          describe=f"read status of task {task_id}", watch=self.watch)

    def head(self, key: str) -> ObjectInfo:
        return retry_call(self.storage.head, key, cancel=self.cancel, describe=f"HEAD {key}", watch=self.watch)

    def list(self, prefix: str) -> List[ObjectInfo]:
        return retry_call(lambda: list(self.storage.list(prefix)), cancel=self.cancel, describe=f"list {prefix}",
                          watch=self.watch)

    def forget(self, keys: Iterable[str]) -> None:
        """Let :meth:`transfer` take these keys again (a re-rendered frame: check its files again)."""
        for key in keys:
            self.seen_keys.discard(key)

    # -- transfers -------------------------------------------------------------
    def transfer(self, items: Iterable[Item]) -> None:
        """Download ``items`` in parallel (new keys only); returns when all are finished or cancelled.

        Items are prepared in batches in this thread (safe_join of every key, then one records
        query per batch) and handed to the pool batch by batch, so workers start at once and
        never query the records one file at a time.
        """
        todo = []
        for item in items:
            if item.key in self.seen_keys:
                continue
            self.seen_keys.add(item.key)
            todo.append(item)
        if not todo:
            return
        self.tracker.add_total(files=len(todo), nbytes=sum(i.info.size for i in todo if i.info))
        self.planned += len(todo)
        left = [len(todo)]
        all_done = threading.Event()

        def finished(n: int) -> None:
            with self.lock:
                left[0] -= n
                if left[0] <= 0:
                    all_done.set()

        def run_one(item: Item, target: str, rec: Optional[DownloadRecord]) -> None:
            try:
                if self.gate.enter(self.stopped):
                    try:
                        self._one(item, target, rec)
                    finally:
                        self.gate.leave()
                elif self.watch.gone():
                    self._not_sent(item)
            finally:
                finished(1)

        futures: List[cf.Future] = []
        procs = inworker.pool_for(self, todo)
        submitted = 0
        for i in range(0, len(todo), _BATCH):
            if self.cancel.cancelled:
                break
            batch = todo[i:i + _BATCH]
            targets: List[Optional[str]] = []
            for item in batch:
                try:
                    targets.append(self.joiner.join(item.rel))
                except RfsyncError as err:
                    targets.append(None)
                    self.fail(item.key, str(err))
                    self.tracker.file_failed(item.key, str(err))
            recs: Dict[str, DownloadRecord] = {}
            if self.records is not None:
                recs = self.records.get_downloads(self.platform, [
                    record_key(item.key, t) for item, t in zip(batch, targets) if t is not None])
            for item, target in zip(batch, targets):
                if target is None:
                    finished(1)
                    continue
                rec = recs.get(record_key(item.key, target))
                futures.append(inworker.submit(self, procs, item, target, rec, finished) if procs is not None
                               and inworker.small(item) else self.pool.submit(run_one, item, target, rec))
            if procs is not None:
                procs.flush()
            submitted = i + len(batch)
        if submitted < len(todo):  # cancelled before every batch was handed out
            finished(len(todo) - submitted)
        while not all_done.wait(0.2):
            self.gate.adjust()
            self.flush_records()
            if self.watch.gone():
                self.stopped.set()  # queued files are not tried; backoffs end (ServerGoneError)
            if self.cancel.cancelled or self.watch.gone():
                for fut in futures:
                    fut.cancel()
                cf.wait(futures, timeout=5)
                break
        self.flush_records()

    def _not_sent(self, item: Item) -> None:
        reason = f"{item.key}: not downloaded: {self.watch.reason()}"
        self.fail(item.key, reason)
        self.tracker.file_failed(item.key, reason)

    def _one(self, item: Item, target: str, rec: Optional[DownloadRecord]) -> None:
        if self.cancel.cancelled:
            return
        if self.watch.gone():
            self._not_sent(item)
            return
        self.tracker.start_file(item.key, item.info.size if item.info else 0)
        try:
            out = self._fetch(item, target, rec)
        except Exception as err:  # a bug must fail the file, not vanish in the pool's future
            self.settle(item, None, err)
            return
        self.settle(item, out, None)

    def settle(self, item: Item, out: Optional[Tuple[bool, int, int, str]], err: Optional[BaseException],
               counted: bool = True) -> None:
        """Book one file's outcome (here or from a worker process; ``counted``: its bytes were counted)."""
        if err is not None or out is None:
            known = isinstance(err, (RfsyncError, OSError))
            if isinstance(err, TransferCancelled) or (known and self.cancel.cancelled):
                with self.lock:
                    self.result.cancelled = True
                self.tracker.file_failed(item.key, "cancelled")
                return
            reason = (str(err) or type(err).__name__) if known else f"internal error: {type(err).__name__}: {err}"
            self.fail(item.key, reason)
            self.tracker.file_failed(item.key, reason)
            return
        skipped, nbytes, resumed, local = out
        with self.lock:
            (self.result.skipped if skipped else self.result.downloaded).append(item.key)
            self.result.local_files[item.key] = local
            self.result.bytes_received += 0 if skipped else nbytes - resumed
        self.tracker.file_done(item.key, skipped=skipped, nbytes=nbytes if skipped or not counted else resumed)

    def _makedirs(self, folder: str) -> None:
        """``os.makedirs`` once per folder and run (thousands of files share a few folders)."""
        if folder in self.made_dirs:
            return
        os.makedirs(folder, exist_ok=True)
        self.made_dirs.add(folder)

    def _fetch(self, item: Item, target: str, rec: Optional[DownloadRecord]) -> Tuple[bool, int, int, str]:
        """Download one file. Returns (skipped, size, bytes already in a resumed .part, local path)."""
        info = item.info
        if info is None:
            try:
                info = self.head(item.key)
            except NotFoundError:
                raise StorageError(f"{item.key} is listed as an output but does not exist on the farm storage",
                                   key=item.key) from None
            self.tracker.add_total(nbytes=info.size)
        rkey = record_key(item.key, target)
        if rec and rec.size == info.size and rec.etag == version_tag(info) and \
                (rec.local == target or self.options.on_exists == "keep-both") and \
                _unchanged(rec.local, rec.size, rec.local_mtime_ns):
            return True, info.size, 0, rec.local
        if os.path.lexists(target):
            if not os.path.isfile(target) or os.path.islink(target):
                raise UnsafePathError(f"{target} exists and is not a regular file; not replacing it")
            if os.path.getsize(target) == info.size and is_md5(info.etag) and \
                    md5_file(target, HASH_CHUNK) == info.etag.lower():
                self._record(rkey, target, info)
                return True, info.size, 0, target
            if self.options.on_exists == "skip":
                return True, info.size, 0, target
            if self.options.on_exists == "keep-both":
                target = keep_both_name(target)
        self._makedirs(os.path.dirname(target))
        got, resumed, st = self._to_part(item.key, target, info)
        os.replace(target + PART_SUFFIX, target)
        self._record(rkey, target, got, st)
        return False, got.size, resumed, target

    def _record(self, key: str, target: str, info: ObjectInfo, st: Optional[os.stat_result] = None) -> None:
        """Remember the download; ``st`` is the .part's stat after its last write (a rename keeps mtime)."""
        if self.records is not None:
            if st is None or os.name == "nt":  # Windows may settle the write time only at close
                st = os.stat(target)
            with self.lock:
                self.pending_records.append((key, target, info.size, version_tag(info), st.st_mtime_ns))

    def flush_records(self) -> None:
        """Write the confirmed downloads to the records in one transaction."""
        if self.records is None:
            return
        with self.lock:
            rows, self.pending_records = self.pending_records, []
        if rows:
            try:
                self.records.put_downloads(self.platform, rows)
            except RfsyncError as err:  # the files are in place; a rerun checks them again by MD5
                self.fail("records database", str(err))


def _unchanged(path: str, size: int, mtime_ns: int) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    return st.st_size == size and st.st_mtime_ns == mtime_ns
