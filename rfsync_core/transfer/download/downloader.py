"""Downloads: task outputs now, frame by frame while the farm renders, or after a task ended.

Every file goes to ``<target>.part`` beside its target, is checked (size; MD5
against the ETag when the ETag is a plain MD5), then renamed into place, so a
killed process never leaves a partial file under a final name; a rerun resumes
the ``.part`` with a ranged GET. Every key is joined under the local root by
:func:`rfsync_core.paths.safe_join`, so a status document or listing cannot make
us write outside it. The records database remembers (key, size, ETag, local
mtime) so a rerun fetches only what is new or changed. One failing file never
stops the others: failures are collected and reported together.

Speed (see BENCHMARKS.md): the bytes are hashed while they stream (no second read
of a finished file); keys are joined and records looked up in batches before the
workers take them; how many small files move at once adapts to the CPU
(:mod:`.gate`); files of at least :data:`RANGED_THRESHOLD` bytes arrive over
parallel ranged GETs written in place, resumable range by range (:mod:`.ranged`).
A ``.part`` is not fsynced before its rename unless ``durable=True`` (see
:class:`Downloader`): a killed process loses nothing that way, and a power cut
is repaired by the next run, which checks size and mtime against the records.

Policy for an existing local file (documented in docs/farm-protocol.md §6):
identical to the remote → skipped; different → ``on_exists`` decides:
``replace`` (default), ``skip`` (keep the local file) or ``keep-both``
(the new file is saved as ``name (1).ext``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple, Union

from ...client import Client
from ...config import default_download_root
from ...errors import FarmError, RfsyncError, StorageError, TaskNotFoundError, TransferCancelled
from ...farm import check_task_id
from ..progress import CancelToken, ProgressCallback
from ..throttle import TokenBucket
from .fetch_worker import GetInWorker
from .ranged import RANGE_STREAMS, RANGED_THRESHOLD
from .result import DownloadResult, Item
from .run import FetchOptions, Run, StatusCallback
from .select import normalize_output_subpath, report_frames, subpath_items, task_items

__all__ = ["MAX_FAILED_POLLS", "ON_EXISTS", "Downloader", "StatusCallback"]

ON_EXISTS = ("replace", "skip", "keep-both")
MAX_FAILED_POLLS = 6
"""Consecutive polls of one task that may fail (network, or a status.json caught mid-write) before
auto-download gives that task up. The first read is not retried: an unknown task or a broken status
is an error at once."""


def _as_list(value: Union[str, int, Sequence[Union[str, int]], None]) -> List[str]:
    if value is None:
        return []
    if isinstance(value, (str, int)):
        return [str(value)]
    return [str(v) for v in value]


class Downloader:
    """Downloads farm outputs; one instance may serve several calls. Thread-safe ``cancel()``.

    ``on_status`` is called with each task status read (the CLI draws per-task frame bars from it).

    Files of at least ``ranged_threshold`` bytes are fetched over ``range_streams`` parallel ranged
    GETs of ``range_size`` bytes (resumable per range). ``durable`` fsyncs each verified ``.part``
    before its rename: off by default, like rclone and boto3, because a process that is killed
    loses nothing (the page cache survives it) and after a power cut a rerun checks every file
    against the records (size and mtime) and downloads what is short again; turn it on when the
    files must survive a power cut the moment the call returns.
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
        durable: bool = False,
        range_streams: int = RANGE_STREAMS,
        ranged_threshold: int = RANGED_THRESHOLD,
        range_size: Optional[int] = None,
        dead_server_window: Optional[float] = None,
        processes: Optional[int] = 1,
    ) -> None:
        if on_exists not in ON_EXISTS:
            raise RfsyncError(f"on_exists must be one of {', '.join(ON_EXISTS)}, not {on_exists!r}")
        if threads < 1:
            raise RfsyncError(f"threads must be at least 1, not {threads!r}")
        self.client = client
        self.limiter = bucket or TokenBucket.from_kb(max_speed)
        """The bandwidth cap (the ``bucket`` keyword: a token bucket, not an S3 bucket)."""
        self.use_records = use_records
        self.progress = progress
        self.cancel_token = cancel or CancelToken()
        self.on_status = on_status
        self.options = FetchOptions(threads=threads, on_exists=on_exists, durable=durable,
                                    range_streams=max(1, int(range_streams)),
                                    ranged_threshold=max(1, int(ranged_threshold)), range_size=range_size,
                                    dead_server_window=dead_server_window, processes=processes)

    def cancel(self) -> None:
        """Stop queued and in-flight downloads (from any thread); the call returns within about a second."""
        self.cancel_token.cancel()

    @staticmethod
    def local_root(local_path: Union[str, Path, None]) -> str:
        root = Path(os.path.expanduser(str(local_path))) if local_path else default_download_root()
        return os.path.abspath(str(root))

    def _run(self, local_path: Union[str, Path, None]) -> Run:
        """A run gets its collaborators from here: client, settings, bandwidth cap, cancel, callbacks."""
        run = Run(self.client, self.local_root(local_path), self.options, limiter=self.limiter,
                  cancel=self.cancel_token, progress=self.progress, use_records=self.use_records,
                  on_status=self.on_status)
        run.worker_factory = GetInWorker  # small files in worker processes when options.processes asks
        return run

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
        subpaths = [normalize_output_subpath(p) for p in _as_list(server_paths)]
        if not ids and not subpaths:
            raise RfsyncError("download needs task ids, a server_path, or both")
        run = self._run(local_path)
        try:
            statuses = [run.read_status(t) for t in ids]  # an unknown task is an error before any transfer
            for status in statuses:
                run.note_status(status)
                run.transfer(task_items(run, status, flat, status.ended, subpaths))
                if not subpaths:
                    report_frames(run, status)
                if self.cancel_token.cancelled:
                    break
            if not ids:
                for sub in subpaths:
                    try:
                        run.transfer(subpath_items(run, sub, flat))
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
        run = self._run(local_path)
        try:
            run.transfer(Item(key, rel) for key, rel in items)
        finally:
            run.close()
        return run.result

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
        run = self._run(local_path)
        try:
            first = {t: run.read_status(t) for t in ids}  # an unknown task is an error at once
        except BaseException:
            run.close()
            raise
        handled: Dict[str, Dict[str, Tuple[str, ...]]] = {t: {} for t in ids}
        failed_polls: Dict[str, int] = {t: 0 for t in ids}
        pending = list(ids)
        try:
            while pending and not self.cancel_token.cancelled and not run.watch.gone():
                for tid in list(pending):
                    try:
                        status = first.pop(tid) if tid in first else run.read_status(tid)
                    except TaskNotFoundError as err:
                        run.fail(f"task {tid}", str(err))
                        pending.remove(tid)
                        continue
                    except (StorageError, FarmError) as err:
                        # A status that was readable before and is not now was most likely read while the
                        # farm rewrote it (a share or an S3-compatible server that writes in place): try
                        # again next poll, and give up only after several polls in a row.
                        failed_polls[tid] += 1
                        if failed_polls[tid] >= MAX_FAILED_POLLS:
                            run.fail(f"task {tid}", f"status unreadable {MAX_FAILED_POLLS} times in a row: {err}")
                            pending.remove(tid)
                        else:
                            run.message(f"task {tid}: status unreadable "
                                                    f"({failed_polls[tid]}/{MAX_FAILED_POLLS}), trying again: {err}")
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
                        run.forget(o for f in status.frames if f.frame in new_frames for o in f.outputs)
                        run.transfer(task_items(run, status, flat, status.ended, (), new_frames))
                    if status.ended:
                        report_frames(run, status)
                        pending.remove(tid)
                    if self.cancel_token.cancelled:
                        break
                if pending and (run.watch.gone() or self.cancel_token.wait(sleep_time)):
                    break
        finally:
            run.close()
        return run.result

