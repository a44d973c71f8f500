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
instance, so in-flight requests end within about a second. The scheduler is
:mod:`.run`, the plan :mod:`.plan`, the multipart state machine :mod:`.multipart`.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterable, List, Optional, Tuple, Union

from ...client import Client
from ...errors import RfsyncError, TransferCancelled
from ...manifest import UploadManifest, load_manifest
from ...paths import input_key
from ..procs import WorkerPool, processes_for, worker_executable
from ..progress import CancelToken, ProgressCallback, ProgressTracker
from ..records import Records, platform_id
from ..throttle import TokenBucket, kb_per_s_to_bytes
from ..watch import ServerWatch
from .result import UploadResult
from .run import UploadRun
from .send import PutInWorker, Sender
from .state import describe_error

__all__ = ["Uploader"]


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
        dead_server_window: Optional[float] = None,
        processes: Optional[int] = 1,
    ) -> None:
        if not isinstance(threads, int) or isinstance(threads, bool) or threads < 1:
            raise ValueError(f"threads must be a positive whole number, got {threads!r}")
        if processes is not None and (not isinstance(processes, int) or isinstance(processes, bool) or processes < 1):
            raise ValueError(f"processes must be a positive whole number or None, got {processes!r}")
        self.client = client
        self.threads = threads
        self.processes = processes
        """Worker processes for small files: 1 = this process's threads only (the default, and what an
        interactive host uses); None = cores - 1 when the run has many small files (the CLI)."""
        self.limiter = bucket if bucket is not None else TokenBucket(kb_per_s_to_bytes(max_speed))
        """The bandwidth cap (the ``bucket`` keyword: a token bucket, not an S3 bucket)."""
        self.use_records = use_records
        self.recheck = recheck
        self.stop_on_error = stop_on_error
        self.progress = progress
        self.cancel_token = cancel if cancel is not None else CancelToken()
        self.retry_attempts = retry_attempts
        self.retry_max_delay = retry_max_delay
        self._records = records
        self.dead_server_window = dead_server_window
        """Seconds of only connection errors / 5xx before the run stops (None: ``watch.DEAD_SERVER_WINDOW``)."""

    def cancel(self) -> None:
        """Stop the transfer (from any thread): queued work is dropped, in-flight requests aborted."""
        self.cancel_token.cancel()

    def _start_procs(self, small: int) -> Optional[WorkerPool]:
        """Worker processes for ``small`` small files, or None for threads (see :mod:`..procs`)."""
        n = processes_for(self.processes, small)
        if n <= 1:
            return None
        exe = worker_executable()
        if exe is None:
            return None
        return WorkerPool(PutInWorker, (self.client, self.retry_attempts, self.retry_max_delay,
                                        self.dead_server_window),
                          processes=n, threads=max(2, -(-self.threads // n)), limiter=self.limiter,
                          cancel=self.cancel_token, executable=exe)

    def upload_manifest(self, manifest: Union[str, Path, UploadManifest]) -> UploadResult:
        """Upload every entry of an ``upload.json`` (scene then asset) to ``input/<server path>``."""
        loaded = manifest if isinstance(manifest, UploadManifest) else load_manifest(manifest)
        items: List[Tuple[str, str]] = []
        bad: List[Tuple[str, str]] = []
        for local, server in loaded.entries():
            try:
                items.append((local, input_key(server)))
            except RfsyncError as err:
                bad.append((local, describe_error(local, err)))
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
        platform = self.client.platform
        watch = ServerWatch(platform.endpoint or platform.name, self.dead_server_window)
        sender = Sender(self.limiter, tracker, self.cancel_token, attempts=self.retry_attempts,
                        max_delay=self.retry_max_delay, watch=watch)
        run = UploadRun(storage, records, sender, tracker, self.cancel_token, result, platform_id(self.client.platform),
                        threads=self.threads, use_records=self.use_records, recheck=self.recheck,
                        stop_on_error=self.stop_on_error, watch=watch, start_procs=self._start_procs)
        try:
            run.execute(items, pre_failed, keys_checked)
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
