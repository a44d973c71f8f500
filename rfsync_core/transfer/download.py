"""Downloads: task outputs now, frame by frame while the farm renders, or after a task ended.

Every file goes to ``<target>.part`` beside its target, is checked (size; MD5
against the ETag when the ETag is a plain MD5), then renamed into place, so a
killed process never leaves a partial file under a final name; a rerun resumes
the ``.part`` with a ranged GET. Every key is joined under the local root by
:func:`rfsync_core.paths.safe_join`, so a status document or listing cannot make
us write outside it. The records database remembers (key, size, ETag, local
mtime) so a rerun fetches only what is new or changed. One failing file never
stops the others: failures are collected and reported together.

Policy for an existing local file (documented in docs/farm-protocol.md §6):
identical to the remote → skipped; different → ``on_exists`` decides:
``replace`` (default), ``skip`` (keep the local file) or ``keep-both``
(the new file is saved as ``name (1).ext``).
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple, Union

from ..client import Client
from ..config import default_download_root
from ..errors import (
    BadDigestError,
    FarmError,
    NotFoundError,
    RfsyncError,
    StorageError,
    TaskNotFoundError,
    TransferCancelled,
    TransferError,
    UnsafePathError,
)
from ..farm import TaskStatus, check_task_id, read_task_status
from ..paths import safe_join
from ..storage.base import ObjectInfo, Storage
from .progress import CancelToken, ProgressCallback, ProgressTracker
from .records import Records
from .retry import retry_call
from .throttle import TokenBucket

ON_EXISTS = ("replace", "skip", "keep-both")
PART_SUFFIX = ".part"
_MD5 = re.compile(r"^[0-9a-fA-F]{32}$")
_HASH_CHUNK = 1024 * 1024
MAX_FAILED_POLLS = 6
"""Consecutive polls of one task that may fail (network) before auto-download gives that task up."""

StatusCallback = Callable[[TaskStatus], None]


@dataclass
class DownloadResult:
    """What a download call did. ``failed`` also holds failed frames as ``("task T frame F", reason)``."""

    downloaded: List[str] = field(default_factory=list)
    skipped: List[str] = field(default_factory=list)
    failed: List[Tuple[str, str]] = field(default_factory=list)
    failed_frames: List[Tuple[str, str, str]] = field(default_factory=list)
    """``(task_id, frame, reason)`` of frames the farm failed or never rendered."""
    bytes_received: int = 0
    duration: float = 0.0
    cancelled: bool = False
    tasks: Dict[str, TaskStatus] = field(default_factory=dict)
    """The last status seen of each task."""
    local_files: Dict[str, str] = field(default_factory=dict)
    """Storage key → local file, for every file downloaded or skipped."""

    @property
    def ok(self) -> bool:
        return not self.failed and not self.cancelled

    def summary(self) -> str:
        text = (f"{len(self.downloaded)} downloaded, {len(self.skipped)} already here, "
                f"{len(self.failed)} failed, {self.bytes_received} bytes in {self.duration:.1f} s")
        return text + (" (cancelled)" if self.cancelled else "")

    def raise_for_failures(self) -> None:
        """TransferCancelled if cancelled; TransferError listing every failure if any."""
        if self.cancelled:
            raise TransferCancelled("download cancelled")
        if self.failed:
            shown = "; ".join(f"{what}: {why}" for what, why in self.failed[:5])
            more = f" (and {len(self.failed) - 5} more)" if len(self.failed) > 5 else ""
            raise TransferError(f"download failed for {len(self.failed)} item(s): {shown}{more}", self.failed)


@dataclass(frozen=True)
class _Item:
    key: str
    rel: str
    """Path relative to the local root, ``/``-separated (checked by safe_join)."""
    info: Optional[ObjectInfo] = None


def is_md5(etag: str) -> bool:
    """True when the ETag is a plain MD5 (S3 single-part uploads, rclone), i.e. checkable."""
    return bool(_MD5.match(etag or ""))


def record_key(key: str, target: str) -> str:
    """Records key of one download: the storage key *and* where it was saved.

    The same output may be downloaded into several local folders (nested and
    flat, another ``local_path``); each copy has its own record so none of them
    is fetched twice. NUL cannot occur in a key or a path, so the pair is unambiguous.
    """
    return f"{key}\x00{target}"


def version_tag(info: ObjectInfo) -> str:
    """What identifies the remote version in the records: the ETag, else size + mtime (folder engines)."""
    return info.etag or f"size={info.size};mtime={info.mtime:.6f}"


def file_md5(path: str) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_HASH_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def keep_both_name(target: str) -> str:
    """``a/b.exr`` → the first free ``a/b (1).exr``, ``a/b (2).exr``…"""
    stem, ext = os.path.splitext(target)
    n = 1
    while os.path.lexists(f"{stem} ({n}){ext}"):
        n += 1
    return f"{stem} ({n}){ext}"


def normalize_server_path(server_path: str) -> str:
    """A ``server_path`` relative to ``output/`` (``/output/`` and slashes tolerated); UnsafePathError if bad."""
    text = str(server_path).strip().replace("\\", "/").strip("/")
    if text == "output" or text.startswith("output/"):
        text = text[len("output"):].strip("/")
    if not text:
        raise UnsafePathError(f"server_path {server_path!r} is empty (name a folder under output/)")
    if any(part in ("", ".", "..") for part in text.split("/")) or ":" in text.split("/")[0] or "\x00" in text:
        raise UnsafePathError(f"server_path {server_path!r} must be a plain relative path under output/")
    return text


def _is_temp_name(key: str) -> bool:
    """Names a farm or an engine uses while writing (see docs/farm-protocol.md §4)."""
    name = key.rsplit("/", 1)[-1]
    return name.startswith(".") or name.endswith((".tmp", PART_SUFFIX))


def _as_list(value: Union[str, int, Sequence[Union[str, int]], None]) -> List[str]:
    if value is None:
        return []
    if isinstance(value, (str, int)):
        return [str(value)]
    return [str(v) for v in value]


class _Run:
    """One public call: its own storage (interruptible), tracker, records and thread pool."""

    def __init__(self, dl: Downloader, local_root: str) -> None:
        self.dl = dl
        self.local_root = local_root
        self.cancel = dl.cancel_token
        self.tracker = ProgressTracker(dl.progress_callback, self.cancel)
        self.storage: Storage = dl.client.new_storage()
        self.cancel.on_cancel(self.storage.interrupt)
        self.records: Optional[Records] = Records(dl.client.records_path) if dl.use_records else None
        self.result = DownloadResult()
        self.lock = threading.Lock()
        self.pool = cf.ThreadPoolExecutor(max_workers=dl.threads, thread_name_prefix="rfsync-dl")
        self.start = time.monotonic()
        self.task_messages: Dict[str, str] = {}
        self.seen_keys: Set[str] = set()

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        if self.records is not None:
            self.records.close()
        try:
            self.storage.close()
        except Exception:
            pass
        self.result.duration = time.monotonic() - self.start
        self.result.cancelled = self.result.cancelled or self.cancel.cancelled
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
        if self.dl.on_status is not None:
            try:
                self.dl.on_status(status)
            except Exception:  # a display callback must not break the transfer
                pass

    def read_status(self, task_id: str) -> TaskStatus:
        return retry_call(read_task_status, self.storage, task_id, cancel=self.cancel,
                          describe=f"read status of task {task_id}")

    # -- transfers -------------------------------------------------------------
    def transfer(self, items: Iterable[_Item]) -> None:
        """Download ``items`` in parallel (new keys only); returns when all are finished or cancelled."""
        todo = []
        for item in items:
            if item.key in self.seen_keys:
                continue
            self.seen_keys.add(item.key)
            todo.append(item)
        if not todo:
            return
        self.tracker.add_total(files=len(todo), nbytes=sum(i.info.size for i in todo if i.info))
        futures = [self.pool.submit(self._one, item) for item in todo]
        pending = set(futures)
        while pending:
            _done, pending = cf.wait(pending, timeout=0.2)
            if self.cancel.cancelled:
                for fut in pending:
                    fut.cancel()
                cf.wait(pending, timeout=5)
                break

    def _one(self, item: _Item) -> None:
        if self.cancel.cancelled:
            return
        self.tracker.start_file(item.key)
        try:
            target = safe_join(self.local_root, item.rel)
            skipped, nbytes, resumed, local = self._fetch(item, target)
        except TransferCancelled:
            with self.lock:
                self.result.cancelled = True
            self.tracker.file_failed(item.key, "cancelled")
            return
        except (RfsyncError, OSError) as err:
            if self.cancel.cancelled:
                with self.lock:
                    self.result.cancelled = True
                self.tracker.file_failed(item.key, "cancelled")
                return
            reason = str(err) or type(err).__name__
            self.fail(item.key, reason)
            self.tracker.file_failed(item.key, reason)
            return
        with self.lock:
            (self.result.skipped if skipped else self.result.downloaded).append(item.key)
            self.result.local_files[item.key] = local
            self.result.bytes_received += 0 if skipped else nbytes - resumed
        self.tracker.file_done(item.key, skipped=skipped, nbytes=nbytes if skipped else resumed)

    def _head(self, key: str) -> ObjectInfo:
        return retry_call(self.storage.head, key, cancel=self.cancel, describe=f"HEAD {key}")

    def _fetch(self, item: _Item, target: str) -> Tuple[bool, int, int, str]:
        """Download one file. Returns (skipped, size, bytes already in a resumed .part, local path)."""
        info = item.info
        if info is None:
            try:
                info = self._head(item.key)
            except NotFoundError:
                raise StorageError(f"{item.key} is listed as an output but does not exist on the farm storage",
                                   key=item.key) from None
            self.tracker.add_total(nbytes=info.size)
        rkey = record_key(item.key, target)
        rec = self.records.get_download(self.dl.client.platform, rkey) if self.records else None
        if rec and rec.size == info.size and rec.etag == version_tag(info) and \
                (rec.local == target or self.dl.on_exists == "keep-both") and \
                _unchanged(rec.local, rec.size, rec.local_mtime_ns):
            return True, info.size, 0, rec.local
        if os.path.lexists(target):
            if not os.path.isfile(target) or os.path.islink(target):
                raise UnsafePathError(f"{target} exists and is not a regular file; not replacing it")
            if os.path.getsize(target) == info.size and is_md5(info.etag) and \
                    file_md5(target) == info.etag.lower():
                self._record(rkey, target, info)
                return True, info.size, 0, target
            if self.dl.on_exists == "skip":
                return True, info.size, 0, target
            if self.dl.on_exists == "keep-both":
                target = keep_both_name(target)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        got, resumed = self._to_part(item.key, target, info)
        os.replace(target + PART_SUFFIX, target)
        self._record(rkey, target, got)
        return False, got.size, resumed, target

    def _record(self, key: str, target: str, info: ObjectInfo) -> None:
        if self.records is not None:
            st = os.stat(target)
            self.records.put_download(self.dl.client.platform, key, target, info.size, version_tag(info),
                                      st.st_mtime_ns)

    def _to_part(self, key: str, target: str, info: ObjectInfo) -> Tuple[ObjectInfo, int]:
        """Fill ``<target>.part`` (resuming it when it fits the remote) and verify it."""
        part = target + PART_SUFFIX
        resumed = 0
        if os.path.lexists(part):
            if os.path.islink(part) or not os.path.isfile(part):
                raise UnsafePathError(f"{part} exists and is not a regular file")
            size = os.path.getsize(part)
            fresh = not info.mtime or info.mtime <= os.path.getmtime(part) + 1.0
            if 0 < size <= info.size and fresh:
                resumed = size
            else:
                os.remove(part)
        for attempt in (1, 2):
            got, counted = self._fill(key, part, info)
            problem = _verify(part, got)
            if not problem:
                return got, resumed
            os.remove(part)
            if attempt == 1 and resumed:  # a stale .part from another version: start over once
                self.tracker.remove_bytes(counted)
                resumed = 0
                continue
            raise StorageError(f"{key}: downloaded file does not match the storage ({problem})", key=key)
        raise AssertionError("unreachable")  # pragma: no cover

    def _fill(self, key: str, part: str, info: ObjectInfo) -> Tuple[ObjectInfo, int]:
        """Download the missing tail of ``part`` (retried; each attempt resumes). Returns (info, bytes counted)."""
        bucket, cancel, tracker = self.dl.bucket, self.cancel, self.tracker
        counted = [0]

        def hook(n: int) -> None:
            bucket.consume(n, cancel)
            counted[0] += n
            tracker.add_bytes(n)

        def attempt() -> ObjectInfo:
            cancel.check()
            with open(part, "r+b" if os.path.exists(part) else "wb") as f:
                offset = f.seek(0, os.SEEK_END)
                if offset > info.size:
                    f.truncate(0)
                    offset = f.seek(0)
                if offset == info.size and offset > 0:
                    return info
                try:
                    got = self.storage.get_to_file(key, f, offset=offset, hook=hook)
                except BadDigestError:
                    f.truncate(0)  # the bytes are wrong: the retry starts from scratch
                    raise
                f.flush()
                os.fsync(f.fileno())
                return got

        return retry_call(attempt, cancel=cancel, describe=f"download {key}"), counted[0]


def _unchanged(path: str, size: int, mtime_ns: int) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    return st.st_size == size and st.st_mtime_ns == mtime_ns


def _verify(part: str, got: ObjectInfo) -> str:
    """'' when the .part is the object; else what is wrong."""
    size = os.path.getsize(part)
    if size != got.size:
        return f"size {size} instead of {got.size}"
    if is_md5(got.etag):
        local = file_md5(part)
        if local != got.etag.lower():
            return f"MD5 {local} instead of {got.etag.lower()}"
    return ""


class Downloader:
    """Downloads farm outputs; one instance may serve several calls. Thread-safe ``cancel()``.

    ``on_status`` is called with each task status read (the CLI draws per-task frame bars from it).
    """

    def __init__(
        self,
        client: Client,
        *,
        threads: int = 8,
        max_speed: Optional[float] = None,
        use_records: bool = True,
        progress: Optional[ProgressCallback] = None,
        cancel: Optional[CancelToken] = None,
        on_exists: str = "replace",
        bucket: Optional[TokenBucket] = None,
        on_status: Optional[StatusCallback] = None,
    ) -> None:
        if on_exists not in ON_EXISTS:
            raise RfsyncError(f"on_exists must be one of {', '.join(ON_EXISTS)}, not {on_exists!r}")
        if threads < 1:
            raise RfsyncError(f"threads must be at least 1, not {threads!r}")
        self.client = client
        self.threads = threads
        self.bucket = bucket or TokenBucket.from_kb(max_speed)
        self.use_records = use_records
        self.progress_callback = progress
        self.cancel_token = cancel or CancelToken()
        self.on_exists = on_exists
        self.on_status = on_status

    def cancel(self) -> None:
        """Stop queued and in-flight downloads (from any thread); the call returns within about a second."""
        self.cancel_token.cancel()

    @staticmethod
    def local_root(local_path: Union[str, Path, None]) -> str:
        root = Path(os.path.expanduser(str(local_path))) if local_path else default_download_root()
        return os.path.abspath(str(root))

    # -- what to fetch -------------------------------------------------------------
    @staticmethod
    def _task_items(run: _Run, status: TaskStatus, flat: bool, everything: bool,
                    server_paths: Sequence[str], frames: Optional[Iterable[str]] = None) -> List[_Item]:
        """Items for the done frames of ``status`` (only ``frames`` if given), plus, when ``everything``,
        the files under its output prefix that belong to no frame."""
        prefix = status.output_prefix
        base = prefix if flat else "output/"
        wanted = set(frames) if frames is not None else None
        frame_keys: Set[str] = set()
        keys: List[str] = []
        for f in status.frames:
            frame_keys.update(f.outputs)
            if f.done and (wanted is None or f.frame in wanted):
                keys.extend(f.outputs)
        listed: Dict[str, ObjectInfo] = {}
        infos: List[ObjectInfo] = []
        if everything:
            try:
                infos = retry_call(lambda: list(run.storage.list(prefix)), cancel=run.cancel,
                                   describe=f"list {prefix}")
            except TransferCancelled:
                raise
            except RfsyncError as err:
                run.fail(prefix, f"task {status.task_id}: cannot list its outputs: {err}")
            for info in infos:
                if _is_temp_name(info.key):
                    continue
                listed[info.key] = info
                if info.key not in frame_keys:
                    keys.append(info.key)
        items = []
        for key in dict.fromkeys(keys):
            if not key.startswith(prefix):
                run.fail(key, f"task {status.task_id}: output is not under the task's output prefix {prefix}")
                continue
            if server_paths and not _selected(key, prefix, server_paths):
                continue
            items.append(_Item(key, key[len(base):], listed.get(key)))
        return items

    @staticmethod
    def _report_frames(run: _Run, status: TaskStatus) -> None:
        """Failed frames always; frames never rendered once the task has ended."""
        for f in status.frames:
            if f.failed:
                run.fail_frame(status.task_id, f.frame, "failed on the farm" + (f": {f.message}" if f.message
                                                                                else ""))
            elif status.ended and not f.done:
                run.fail_frame(status.task_id, f.frame, f"not rendered (task {status.state})")
        if status.state == "failed" and not status.frames_failed:
            run.fail(f"task {status.task_id}", "the farm marked the task failed"
                     + (f": {status.message}" if status.message else ""))

    # -- public calls ---------------------------------------------------------------
    def download(
        self,
        task_ids: Union[str, int, Sequence[Union[str, int]], None] = None,
        local_path: Union[str, Path, None] = None,
        *,
        server_paths: Union[str, Sequence[str], None] = None,
        flat: bool = False,
    ) -> DownloadResult:
        """Fetch now what the tasks have produced so far (or only the ``server_paths`` sub-trees)."""
        ids = [check_task_id(t) for t in dict.fromkeys(_as_list(task_ids))]
        paths = [normalize_server_path(p) for p in _as_list(server_paths)]
        if not ids and not paths:
            raise RfsyncError("download needs task ids, a server_path, or both")
        run = _Run(self, self.local_root(local_path))
        try:
            statuses = [run.read_status(t) for t in ids]  # an unknown task is an error before any transfer
            for status in statuses:
                run.note_status(status)
                run.transfer(self._task_items(run, status, flat, status.ended, paths))
                if not paths:
                    self._report_frames(run, status)
                if self.cancel_token.cancelled:
                    break
            if not ids:
                for sp in paths:
                    try:
                        run.transfer(self._server_path_items(run, sp, flat))
                    except TransferCancelled:
                        break
        finally:
            run.close()
        return run.result

    def download_task(self, task_id: Union[str, int], local_path: Union[str, Path, None] = None, *,
                      flat: bool = False) -> DownloadResult:
        return self.download([task_id], local_path, flat=flat)

    def download_keys(self, items: Iterable[Tuple[str, str]],
                      local_path: Union[str, Path, None] = None) -> DownloadResult:
        """Fetch explicit ``(storage key, path relative to local_path)`` pairs."""
        run = _Run(self, self.local_root(local_path))
        try:
            run.transfer(_Item(key, rel) for key, rel in items)
        finally:
            run.close()
        return run.result

    def _server_path_items(self, run: _Run, sp: str, flat: bool) -> List[_Item]:
        key = "output/" + sp
        try:
            try:
                infos = [run._head(key)]  # a single file (checked first: a folder cannot list a file)
            except NotFoundError:
                infos = [i for i in retry_call(lambda: list(run.storage.list(key + "/")), cancel=run.cancel,
                                               describe=f"list {key}/") if not _is_temp_name(i.key)]
        except TransferCancelled:
            raise
        except RfsyncError as err:
            run.fail(key, str(err))
            return []
        if not infos:
            run.fail(key, "nothing found at this server_path")
            return []
        items = []
        for info in infos:
            rel = info.key[len("output/"):]
            if flat:
                rel = rel.split("/", 1)[1] if "/" in rel else rel
            items.append(_Item(info.key, rel, info))
        return items

    def auto_download(
        self,
        task_ids: Union[str, int, Sequence[Union[str, int]]],
        local_path: Union[str, Path, None] = None,
        *,
        flat: bool = False,
        sleep_time: float = 10,
        after_complete: bool = False,
    ) -> DownloadResult:
        """Poll the tasks every ``sleep_time`` s and fetch each frame's outputs once it is done
        (or, with ``after_complete``, a task's outputs once it has ended); return when all ended."""
        ids = [check_task_id(t) for t in dict.fromkeys(_as_list(task_ids))]
        if not ids:
            raise RfsyncError("auto_download needs at least one task id")
        sleep_time = max(0.05, float(sleep_time))
        run = _Run(self, self.local_root(local_path))
        try:
            first = {t: run.read_status(t) for t in ids}  # an unknown task is an error at once
        except BaseException:
            run.close()
            raise
        handled: Dict[str, Dict[str, Tuple[str, ...]]] = {t: {} for t in ids}
        failed_polls: Dict[str, int] = {t: 0 for t in ids}
        pending = list(ids)
        try:
            while pending and not self.cancel_token.cancelled:
                for tid in list(pending):
                    try:
                        status = first.pop(tid) if tid in first else run.read_status(tid)
                    except (FarmError, TaskNotFoundError) as err:
                        run.fail(f"task {tid}", str(err))
                        pending.remove(tid)
                        continue
                    except StorageError as err:
                        failed_polls[tid] += 1
                        if failed_polls[tid] >= MAX_FAILED_POLLS:
                            run.fail(f"task {tid}", f"status unreadable {MAX_FAILED_POLLS} times in a row: {err}")
                            pending.remove(tid)
                        continue
                    except TransferCancelled:
                        break
                    failed_polls[tid] = 0
                    run.note_status(status)
                    if after_complete and not status.ended:
                        continue
                    seen = handled[tid]
                    new_frames = []
                    for f in status.frames:
                        if f.done and seen.get(f.frame) != f.outputs:
                            new_frames.append(f.frame)
                            seen[f.frame] = f.outputs
                        elif not f.done:
                            seen.pop(f.frame, None)
                    if new_frames or status.ended:
                        for key in [o for f in status.frames if f.frame in new_frames for o in f.outputs]:
                            run.seen_keys.discard(key)  # a re-rendered frame: check its files again
                        run.transfer(self._task_items(run, status, flat, status.ended, (), new_frames))
                    if status.ended:
                        self._report_frames(run, status)
                        pending.remove(tid)
                    if self.cancel_token.cancelled:
                        break
                if pending and self.cancel_token.wait(sleep_time):
                    break
        finally:
            run.close()
        return run.result


def _selected(key: str, prefix: str, server_paths: Sequence[str]) -> bool:
    """True when ``key`` lies in one of the sub-trees (relative to ``output/`` or to the task's prefix)."""
    for sp in server_paths:
        for base in ("output/" + sp, prefix + sp):
            if key == base or key.startswith(base + "/"):
                return True
    return False
