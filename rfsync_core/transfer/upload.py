"""The uploader: plan (stat + records), then parallel, verified, resumable transfers.

How a run goes (:meth:`Uploader.upload_files`):

1. **Plan** — stat every ``(local, key)``; bad entries become per-file failures
   (reported together; the rest still upload). Files whose record says this
   platform holds the key with the same size and mtime are skipped; a few of
   those records are sampled against the server (HEAD) and, if one is gone or
   differs, every record of the platform is forgotten and nothing is skipped.
   ``recheck`` HEADs every file instead of trusting records.
2. **Transfer** — one thread pool. The calling thread is the scheduler: it
   keeps at most ``2 × threads`` jobs in the pool (so cancel has little to
   drop), submits small files as single PUTs, and large files as a multipart
   *init* job whose parts are then submitted as ordinary top-level jobs (a part
   never waits on the pool, so there is no deadlock), then a *complete* job.
   Parts of started uploads go before new files.
3. **Record** — only the scheduler thread writes the records database, and only
   after the storage confirmed a file (PUT with matching MD5, or multipart
   complete). Multipart state is recorded before any part is sent, and each
   confirmed part as it arrives, so a killed process resumes with only the
   missing parts.

Every storage call goes through :func:`~rfsync_core.transfer.retry.retry_call`
(bounded); bytes of a failed attempt are taken back from the progress. One
:class:`~rfsync_core.transfer.throttle.TokenBucket` caps all threads together.
Cancel (token, :meth:`Uploader.cancel`, or the progress callback returning
``False``) drops queued jobs and interrupts the transfer's own storage
instance, so in-flight requests end within about a second. The multipart jobs
live in :mod:`.multipart`.
"""

from __future__ import annotations

import os
import random
import stat as stat_mod
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Deque, Dict, Iterable, List, Optional, Tuple, Union

from ..errors import (
    AccessDeniedError,
    BadDigestError,
    ChangedDuringTransferError,
    LocalPathError,
    NotFoundError,
    PartCorruptedError,
    RfsyncError,
    StorageError,
    TransferCancelled,
    TransferError,
)
from ..storage.base import ObjectInfo, Storage
from .multipart import FileState, MultipartJobs, StaleJob, is_md5, md5_range, part_size_for
from .progress import CancelToken, ProgressCallback, ProgressTracker
from .records import Records, UploadRecord, platform_id
from .retry import retry_call
from .throttle import TokenBucket, kb_per_s_to_bytes

if TYPE_CHECKING:  # pragma: no cover
    from ..client import Client
    from ..manifest import UploadManifest

MiB = 1024 * 1024
SAMPLE_RECORDS = 3
DEFAULT_MIN_PART = 5 * MiB
_FLUSH_COUNT = 256
_FLUSH_SECONDS = 0.5

__all__ = ["UploadResult", "Uploader", "part_size_for"]


# --------------------------------------------------------------------------- result


@dataclass
class UploadResult:
    """What a run did. Files are named by their local path."""

    uploaded: List[str] = field(default_factory=list)
    skipped: List[str] = field(default_factory=list)
    failed: List[Tuple[str, str]] = field(default_factory=list)
    """``(local path, one-line reason naming the file)``."""
    bytes_sent: int = 0
    """Bytes of successful PUTs and parts (retried attempts not counted)."""
    duration: float = 0.0
    cancelled: bool = False
    parts_sent: int = 0
    parts_reused: int = 0
    """Multipart parts found already on the server (resume) and not sent again."""
    keys: Dict[str, str] = field(default_factory=dict, repr=False)
    """local path → storage key, for every planned file."""

    @property
    def ok(self) -> bool:
        return not self.failed and not self.cancelled

    def raise_for_failures(self, what: str = "upload") -> None:
        """Raise :class:`TransferCancelled` if cancelled, :class:`TransferError` if any file failed."""
        if self.cancelled:
            raise TransferCancelled(
                f"{what} cancelled ({len(self.uploaded)} uploaded, {len(self.skipped)} unchanged before it stopped)"
            )
        if self.failed:
            first = self.failed[0][1]
            more = f" (and {len(self.failed) - 1} more)" if len(self.failed) > 1 else ""
            raise TransferError(f"{what}: {len(self.failed)} file(s) failed: {first}{more}", self.failed)

    def merge(self, other: UploadResult) -> None:
        """Add another run's result to this one (e.g. several manifests)."""
        self.uploaded += other.uploaded
        self.skipped += other.skipped
        self.failed += other.failed
        self.bytes_sent += other.bytes_sent
        self.cancelled = self.cancelled or other.cancelled
        self.parts_sent += other.parts_sent
        self.parts_reused += other.parts_reused
        self.keys.update(other.keys)


# --------------------------------------------------------------------------- helpers


def _describe_error(local: str, err: BaseException) -> str:
    """A one-line reason that names the file."""
    if isinstance(err, FileNotFoundError):
        text = "file not found (deleted during upload?)"
    elif isinstance(err, PermissionError):
        text = "cannot read: permission denied"
    elif isinstance(err, OSError):
        text = f"cannot read: {err.strerror or err}"
    elif isinstance(err, RfsyncError):
        text = str(err)
    else:
        text = f"internal error: {type(err).__name__}: {err}"
    text = " ".join(text.split())
    return text if local in text else f"{local}: {text}"


def _is_fatal(err: BaseException) -> bool:
    """Errors that will fail every other file the same way (bad credentials, no such bucket)."""
    return isinstance(err, AccessDeniedError) or (
        isinstance(err, NotFoundError) and getattr(err, "code", "") == "NoSuchBucket"
    )


# --------------------------------------------------------------------------- uploader


class Uploader:
    """Uploads files to one client's platform. See the module docstring for how."""

    def __init__(
        self,
        client: Client,
        *,
        threads: int = 8,
        max_speed: Union[float, str, None] = None,
        use_records: bool = True,
        recheck: bool = False,
        stop_on_error: bool = False,
        progress: Optional[ProgressCallback] = None,
        cancel: Optional[CancelToken] = None,
        bucket: Optional[TokenBucket] = None,
        records: Optional[Records] = None,
        retry_attempts: int = 6,
        retry_max_delay: float = 60.0,
    ) -> None:
        if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
            raise ValueError(f"threads must be a positive whole number, got {threads!r}")
        self.client = client
        self.threads = threads
        self.bucket = bucket if bucket is not None else TokenBucket(kb_per_s_to_bytes(max_speed))
        self.use_records = use_records
        self.recheck = recheck
        self.stop_on_error = stop_on_error
        self.progress = progress
        self.cancel_token = cancel if cancel is not None else CancelToken()
        self.retry_attempts = retry_attempts
        self.retry_max_delay = retry_max_delay
        self._records = records

    def cancel(self) -> None:
        """Stop the transfer (from any thread): queued work is dropped, in-flight requests aborted."""
        self.cancel_token.cancel()

    def upload_manifest(self, manifest: Union[str, Path, UploadManifest]) -> UploadResult:
        """Upload every entry of an ``upload.json`` (scene then asset) to ``input/<server path>``."""
        from ..manifest import UploadManifest, load_manifest
        from ..paths import input_key

        loaded = manifest if isinstance(manifest, UploadManifest) else load_manifest(manifest)
        items: List[Tuple[str, str]] = []
        bad: List[Tuple[str, str]] = []
        for local, server in loaded.entries():
            try:
                items.append((local, input_key(server)))
            except RfsyncError as err:
                bad.append((local, _describe_error(local, err)))
        return self._run(items, bad, keys_checked=True)

    def upload_files(self, items: Iterable[Tuple[str, str]]) -> UploadResult:
        """Upload ``(local absolute path, storage key)`` pairs; per-file errors land in ``result.failed``."""
        return self._run(list(items), [])

    def _run(self, items: List[Tuple[str, str]], pre_failed: List[Tuple[str, str]],
             keys_checked: bool = False) -> UploadResult:
        start = time.monotonic()
        tracker = ProgressTracker(self.progress, self.cancel_token)
        result = UploadResult()
        storage = self.client.new_storage()
        self.cancel_token.on_cancel(storage.interrupt)
        own_records = self._records is None
        records = self._records if self._records is not None else Records(self.client.records_path)
        try:
            _Run(self, storage, records, tracker, result).execute(items, pre_failed, keys_checked)
        except TransferCancelled:
            if not self.cancel_token.cancelled:
                raise
        finally:
            try:
                storage.close()
            finally:
                if own_records:
                    records.close()
        result.cancelled = self.cancel_token.cancelled
        result.duration = time.monotonic() - start
        tracker.finish()
        return result


class _Run(MultipartJobs):
    """One run of an :class:`Uploader`: the scheduler and the jobs it hands to the pool."""

    def __init__(
        self, up: Uploader, storage: Storage, records: Records, tracker: ProgressTracker, result: UploadResult
    ) -> None:
        self.up = up
        self.storage = storage
        self.records = records
        self.tracker = tracker
        self.result = result
        self.token = up.cancel_token
        self.pid = platform_id(up.client.platform)
        self.threshold = int(getattr(storage, "multipart_threshold", 64 * MiB))
        self.min_part = int(getattr(storage, "min_part_size", DEFAULT_MIN_PART))
        self.files: List[FileState] = []
        self.queue: Deque[Tuple[str, FileState, Any]] = deque()
        self.part_queue: Deque[Tuple[str, FileState, Any]] = deque()
        self.in_flight: Dict[Future, Tuple[str, FileState, Any]] = {}
        self.parts_in_flight = 0
        self.part_slots = min(up.threads, max(4, 2 * (os.cpu_count() or 1)))
        """Parts sent at once. Each part stream costs client CPU (read, MD5, send): beyond about two
        per core they compete for it instead of adding throughput (measured in bench/, 2 cores:
        4 parts at once beat 8 by ~15%). Small files still use every thread."""
        self.pending_records: List[UploadRecord] = []
        self.last_flush = time.monotonic()
        self.stop_reason = ""

    # -- storage calls ---------------------------------------------------------
    def _retry(self, fn: Callable[..., Any], *args: Any, describe: str, **kwargs: Any) -> Any:
        return retry_call(
            fn, *args, cancel=self.token, attempts=self.up.retry_attempts, max_delay=self.up.retry_max_delay,
            describe=describe, **kwargs,
        )

    def _send(self, f: FileState, fn: Callable[..., Any], *args: Any, check: Callable[[Any], None],
              **kwargs: Any) -> Tuple[Any, int]:
        """One storage call that moves bytes: bandwidth + progress hook, bytes taken back on failure."""
        sent = [0]

        def hook(n: int) -> None:
            self.up.bucket.consume(n, self.token)
            sent[0] += n
            self.tracker.add_bytes(n)

        def attempt() -> Any:
            sent[0] = 0
            try:
                self._same_as_planned(f)
                out = fn(*args, hook=hook, **kwargs)
                check(out)
                return out
            except BaseException as err:
                if sent[0]:
                    self.tracker.remove_bytes(sent[0])
                    sent[0] = 0
                if isinstance(err, BadDigestError):
                    self._same_as_planned(f)  # a changed file explains a bad digest: don't retry blindly
                raise

        out = self._retry(attempt, describe=f"upload {f.local}")
        return out, sent[0]

    def _same_as_planned(self, f: FileState) -> None:
        """Raise when the local file is gone or its size/mtime moved since the plan."""
        try:
            st = os.stat(f.local)
        except FileNotFoundError:
            raise LocalPathError(f"{f.local}: file was deleted during upload") from None
        except OSError as err:
            raise LocalPathError(f"{f.local}: cannot stat: {err.strerror or err}") from None
        if st.st_size != f.size or st.st_mtime_ns != f.mtime_ns:
            raise ChangedDuringTransferError(
                f"{f.local}: changed while being uploaded (size {f.size} → {st.st_size}, "
                f"mtime changed: {st.st_mtime_ns != f.mtime_ns}); not recorded"
            )

    def _restat(self, f: FileState) -> None:
        st = os.stat(f.local)
        f.size, f.mtime_ns = st.st_size, st.st_mtime_ns

    # -- plan ------------------------------------------------------------------
    def execute(self, items: List[Tuple[str, str]], pre_failed: List[Tuple[str, str]],
                keys_checked: bool = False) -> None:
        """Plan (stat, records) and run. ``keys_checked``: the keys came from :func:`paths.input_key`."""
        from ..storage import check_key

        failed: List[Tuple[str, str]] = list(pre_failed)
        by_key: Dict[str, str] = {}
        for local, key in items:
            local = os.fspath(local)
            try:
                if not os.path.isabs(local):
                    raise LocalPathError(f"{local}: not an absolute path")
                if not keys_checked:
                    check_key(key)
                if key in by_key:
                    if by_key[key] != local:
                        raise LocalPathError(f"{local}: same storage key {key} as {by_key[key]}")
                    continue
                st = os.stat(local)
                if stat_mod.S_ISDIR(st.st_mode):
                    raise LocalPathError(f"{local}: is a folder, not a file")
                if not stat_mod.S_ISREG(st.st_mode):
                    raise LocalPathError(f"{local}: not a regular file")
            except FileNotFoundError:
                failed.append((local, f"{local}: file not found"))
                continue
            except (OSError, RfsyncError) as err:
                failed.append((local, _describe_error(local, err)))
                continue
            by_key[key] = local
            self.files.append(FileState(local, key, st.st_size, st.st_mtime_ns))
            self.result.keys[local] = key
        self.tracker.add_total(files=len(self.files) + len(failed), nbytes=sum(f.size for f in self.files))
        for local, reason in failed:
            self._fail_plain(local, reason)
        if failed and self.up.stop_on_error:
            self.stop_reason = f"stopped after an earlier failure ({failed[0][0]})"

        todo = self._plan_skips()
        for f in todo:
            if self.token.cancelled:
                break
            if not os.access(f.local, os.R_OK):
                self._fail(f, LocalPathError(f"{f.local}: cannot read: permission denied"))
                continue
            self._enqueue(f)
        self._loop()

    def _plan_skips(self) -> List[FileState]:
        """Skip files the records vouch for (after sampling a few against the server)."""
        if not self.up.use_records or self.up.recheck or not self.files:
            return list(self.files)
        recs = self.records.get_uploads(self.pid, (f.key for f in self.files))
        skip: List[FileState] = []
        todo: List[FileState] = []
        for f in self.files:
            rec = recs.get(f.key)
            if rec is not None and rec.size == f.size and rec.mtime_ns == f.mtime_ns and rec.local == f.local:
                skip.append(f)
            else:
                todo.append(f)
        verdict = self._sample(random.sample(skip, min(SAMPLE_RECORDS, len(skip)))) if skip else "ok"
        if verdict == "gone":
            self.records.forget_platform(self.pid)
            self.tracker.set_message(f"records for {self.storage.name} did not match the server; re-uploading")
            return list(self.files)
        if verdict == "unknown":
            return list(self.files)  # the server could not vouch for the records now: send rather than skip
        for f in skip:
            f.state = "skipped"
            self.result.skipped.append(f.local)
        self.tracker.files_skipped(len(skip), sum(f.size for f in skip))
        return todo

    def _sample(self, sample: List[FileState]) -> str:
        """HEAD a few vouched-for files: "ok", "gone" (a record lies: distrust them all) or "unknown"."""
        for f in sample:
            try:
                info = self._retry(self.storage.head, f.key, describe=f"check {f.key}")
            except NotFoundError as err:
                return "unknown" if _is_fatal(err) else "gone"
            except StorageError:
                return "unknown"  # e.g. bad credentials: keep the records, let the transfer report it
            if info.size != f.size:
                return "gone"
        return "ok"

    # -- scheduling ---------------------------------------------------------------
    def _enqueue(self, f: FileState) -> None:
        kind = "init" if f.size >= self.threshold and f.size > 0 else "small"
        self.queue.append((kind, f, f.gen))

    def _submit(self, pool: ThreadPoolExecutor, job: Tuple[str, FileState, Any]) -> None:
        kind, f, extra = job
        jobs: Dict[str, Callable[[FileState, Any], Any]] = {
            "small": self._job_small, "init": self._job_init, "part": self._job_part,
            "complete": self._job_complete, "abort": self._job_abort,
        }
        fn = jobs[kind]
        self.in_flight[pool.submit(fn, f, extra)] = job
        if kind == "part":
            self.parts_in_flight += 1

    def _next_job(self) -> Optional[Tuple[str, FileState, Any]]:
        """Parts of started uploads first (while part slots are free), then new files."""
        if self.part_queue and (self.part_queue[0][0] != "part" or self.parts_in_flight < self.part_slots):
            return self.part_queue.popleft()
        return self.queue.popleft() if self.queue else None

    def _loop(self) -> None:
        limit = self.up.threads * 2
        with ThreadPoolExecutor(max_workers=self.up.threads, thread_name_prefix="rfsync-up") as pool:
            try:
                while True:
                    if self.token.cancelled or self.stop_reason:
                        self.queue.clear()
                        self.part_queue.clear()
                    while len(self.in_flight) < limit:
                        job = self._next_job()
                        if job is None:
                            break
                        self._submit(pool, job)
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

    def _handle(self, job: Tuple[str, FileState, Any], fut: Future) -> None:
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
            self._init_done(f, out)
        elif kind == "part":
            self._part_done(f, extra, out)
        elif kind == "complete":
            self._complete_done(f, out)

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
            self._drop_multipart(f)
            if f.change_retries < 1:
                f.change_retries += 1
                try:
                    self._restat(f)
                except OSError as os_err:
                    self._fail(f, os_err)
                    return
                self.queue.appendleft(("init", f, f.gen))
                return
        if isinstance(err, LocalPathError) and kind in ("part", "complete") and f.upload_id:
            f.gen += 1
            self._drop_multipart(f)  # the local file is gone: its partial upload can't be resumed
        self._fail(f, err)
        if _is_fatal(err) and not self.stop_reason:
            self.stop_reason = str(err)
        elif self.up.stop_on_error and not self.stop_reason:
            self.stop_reason = f"stopped after an earlier failure ({f.local})"

    def _drop_multipart(self, f: FileState) -> None:
        if f.upload_id:
            self.part_queue.append(("abort", f, f.upload_id))
            self.records.drop_multipart(self.pid, f.key)
            f.upload_id = ""
        f.parts.clear()
        f.digests.clear()

    def _fail_plain(self, local: str, reason: str) -> None:
        self.result.failed.append((local, reason))
        self.tracker.file_failed(local, reason)

    def _fail(self, f: FileState, err: BaseException) -> None:
        f.state = "failed"
        f.gen += 1
        self._fail_plain(f.local, _describe_error(f.local, err))

    # -- records ---------------------------------------------------------------
    def _record(self, f: FileState, etag: str) -> None:
        if self.up.use_records:
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

    def _finished(self, f: FileState, info: ObjectInfo, sent: int) -> None:
        f.state = "done"
        self._record(f, info.etag)
        self.result.uploaded.append(f.local)
        self.result.bytes_sent += sent
        self.tracker.file_done(f.local)

    # -- small files -------------------------------------------------------------
    def _job_small(self, f: FileState, gen: int) -> Tuple[str, Any, int]:
        self.token.check()
        self.tracker.start_file(f.local)
        if self.up.recheck and self._server_has(f):
            return ("skipped", None, 0)
        for attempt in range(2):
            if attempt:
                self._restat_in_worker(f)
            try:
                info, sent = self._send(f, self.storage.put_file, f.key, f.local, check=lambda _o: None)
                self._same_as_planned(f)
                return ("done", info, sent)
            except ChangedDuringTransferError:
                if attempt:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _restat_in_worker(self, f: FileState) -> None:
        try:
            st = os.stat(f.local)
        except FileNotFoundError:
            raise LocalPathError(f"{f.local}: file was deleted during upload") from None
        f.size, f.mtime_ns = st.st_size, st.st_mtime_ns

    def _server_has(self, f: FileState) -> bool:
        """Full re-check: does the server hold this file already (size, and MD5 where the ETag is one)?"""
        try:
            info = self._retry(self.storage.head, f.key, describe=f"check {f.key}")
        except NotFoundError:
            return False
        if info.size != f.size:
            return False
        rec = self.records.get_upload(self.pid, f.key) if self.up.use_records else None
        if rec is not None and rec.size == f.size and rec.mtime_ns == f.mtime_ns and rec.local == f.local:
            return True
        if is_md5(info.etag):
            return md5_range(f.local, 0, f.size, self.token).hex() == info.etag.lower()
        return False

    def _small_done(self, f: FileState, out: Tuple[str, Any, int]) -> None:
        what, info, sent = out
        if what == "skipped":
            self._skip_after_check(f)
            return
        self._finished(f, info, sent)

    def _skip_after_check(self, f: FileState) -> None:
        f.state = "skipped"
        self._record(f, "")
        self.result.skipped.append(f.local)
        self.tracker.file_done(f.local, skipped=True, nbytes=f.size)
