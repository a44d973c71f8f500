"""The seed's upload API (``rayvision_sync.upload.RayvisionUpload``), on rfsync's engine.

Same method names, arguments and defaults as the seed, so scripts written for it
keep working; the faults are fixed: every method returns ``True`` on success and
raises a typed error on failure (:class:`~rfsync_core.errors.TransferError`
listing each failed file and its manifest, :class:`~rfsync_core.errors.LocalPathError`
for a missing config file, ...); the bandwidth cap is one bucket for the whole
call (``multi_thread_upload`` shares it across manifests); worker exceptions are
collected, never lost; ``thread_pool_upload`` needs no hidden ``is_db``.

Arguments only the seed's transfer engines understood (``engine_type``,
``server_ip``, ``network_mode``, ``redis_obj`` …) are accepted and ignored, so old
calls still run; any other unknown keyword is a ``TypeError`` as usual. The seed's
arguments are checked and renamed to the engine's in :mod:`.options`.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

from ..client import Client
from ..errors import LocalPathError, RfsyncError, TransferCancelled, TransferError
from ..farm.layout import config_key, submit_batches
from ..transfer.progress import CancelToken, ProgressCallback
from ..transfer.throttle import TokenBucket
from ..transfer.upload import Uploader, UploadResult
from .options import (
    SEED_ONLY_UPLOAD_OPTIONS,
    config_files,
    existing_file,
    pool_paths,
    reject_unknown,
    thread_count,
    upload_speed,
    use_records,
    valid_task_id,
)

__all__ = [
    "RfsyncUpload",
    "multi_thread_upload",
    "thread_pool_upload",
    "upload",
    "upload_asset",
    "upload_config",
]

PathLike = Union[str, "os.PathLike[str]"]
Speed = Union[float, str, None]


class RfsyncUpload:
    """Uploads for one client (platform + credentials), like the seed's ``RayvisionUpload(api)``.

    ``client=None`` uses ``Client()`` (the default platform). ``threads`` is the
    number of transfer threads per upload; ``progress``/``cancel`` become the
    defaults of every call (each method also takes them as keywords).
    """

    def __init__(
        self,
        client: Optional[Client] = None,
        *,
        threads: int = 8,
        progress: Optional[ProgressCallback] = None,
        cancel: Optional[CancelToken] = None,
    ) -> None:
        self._own_client = client is None
        self.client = client if client is not None else Client()
        self.threads = thread_count(threads)
        self.progress = progress
        self.cancel_token = cancel if cancel is not None else CancelToken()

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    def __enter__(self) -> RfsyncUpload:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def cancel(self) -> None:
        """Stop every upload of this object (from any thread)."""
        self.cancel_token.cancel()

    def _uploader(
        self,
        bucket: TokenBucket,
        records: bool,
        progress: Optional[ProgressCallback],
        cancel: Optional[CancelToken],
        threads: Optional[int] = None,
    ) -> Uploader:
        """An engine :class:`Uploader` with this object's defaults for what the call left out."""
        return Uploader(
            self.client,
            threads=threads or self.threads,
            bucket=bucket,
            use_records=records,
            progress=progress if progress is not None else self.progress,
            cancel=cancel if cancel is not None else self.cancel_token,
        )

    # -- the seed's methods --------------------------------------------------------
    def upload_asset(
        self,
        upload_json_path: PathLike,
        max_speed: Speed = None,
        is_db: bool = True,
        *,
        progress: Optional[ProgressCallback] = None,
        cancel: Optional[CancelToken] = None,
        **seed_options: Any,
    ) -> bool:
        """Upload the files an ``upload.json`` lists to ``input/<server path>``.

        ``max_speed`` in KB/s (default 1048576 KB/s); ``is_db`` keeps records so
        unchanged files (same size and mtime) are skipped next time.
        """
        reject_unknown("upload_asset", seed_options, SEED_ONLY_UPLOAD_OPTIONS)
        path = existing_file(upload_json_path, "upload.json")
        uploader = self._uploader(TokenBucket(upload_speed(max_speed)), use_records(is_db), progress, cancel)
        uploader.upload_manifest(path).raise_for_failures(f"upload of {os.fspath(upload_json_path)}")
        return True

    def upload_config(
        self,
        task_id: Union[str, int],
        config_file_list: Sequence[PathLike],
        max_speed: Speed = None,
        *,
        progress: Optional[ProgressCallback] = None,
        cancel: Optional[CancelToken] = None,
        **seed_options: Any,
    ) -> bool:
        """Upload a task's configuration files to ``tasks/<task_id>/cfg/<file name>``.

        Every file must exist (checked before anything is sent: a missing one is
        a :class:`LocalPathError` naming it, and nothing is uploaded).
        """
        reject_unknown("upload_config", seed_options, SEED_ONLY_UPLOAD_OPTIONS)
        tid = valid_task_id(task_id)
        items: List[Tuple[str, str]] = []
        names: Dict[str, str] = {}
        for i, value in enumerate(config_files(config_file_list)):
            local = existing_file(value, f"config file #{i + 1}")
            name = os.path.basename(local)
            if name in names and names[name] != local:
                raise LocalPathError(f"config files {names[name]} and {local} would both be uploaded as {name}")
            names[name] = local
            items.append((local, config_key(tid, name)))
        # task.json goes last and alone: its arrival tells the farm the task is complete (farm-protocol §3).
        for batch in submit_batches(items, name=lambda item: item[1].rsplit("/", 1)[-1]):
            uploader = self._uploader(TokenBucket(upload_speed(max_speed)), False, progress, cancel)
            uploader.upload_files(batch).raise_for_failures(f"upload of the config files of task {tid}")
        return True

    def upload(
        self,
        task_id: Union[str, int],
        task_json_path: Optional[PathLike],
        tips_json_path: Optional[PathLike],
        asset_json_path: Optional[PathLike],
        upload_json_path: PathLike,
        max_speed: Speed = None,
        *,
        progress: Optional[ProgressCallback] = None,
        cancel: Optional[CancelToken] = None,
        **seed_options: Any,
    ) -> bool:
        """Upload the assets of ``upload_json_path``, then the four configuration files (``None`` ones left out).

        The seed sent the configs first; rfsync sends them after the assets, ``task.json`` last, because the
        farm starts a task as soon as its ``task.json`` exists (docs/farm-protocol.md §3). Every file is
        checked before anything is sent.
        """
        reject_unknown("upload", seed_options, SEED_ONLY_UPLOAD_OPTIONS)
        tid = valid_task_id(task_id)
        existing_file(upload_json_path, "upload.json")
        configs = [p for p in (task_json_path, tips_json_path, asset_json_path, upload_json_path) if p is not None]
        for i, value in enumerate(configs):
            existing_file(value, f"config file #{i + 1}")
        self.upload_asset(upload_json_path, max_speed=max_speed, progress=progress, cancel=cancel)
        return self.upload_config(tid, configs, max_speed=max_speed, progress=progress, cancel=cancel)

    def multi_thread_upload(
        self,
        upload_pool: Sequence[PathLike],
        thread_num: int = 10,
        *,
        max_speed: Speed = None,
        is_db: bool = True,
        progress: Optional[ProgressCallback] = None,
        cancel: Optional[CancelToken] = None,
    ) -> bool:
        """Upload every ``upload.json`` of ``upload_pool``, at most ``thread_num`` at once, one shared speed cap."""
        return self._pool(upload_pool, thread_count(thread_num), max_speed, use_records(is_db), progress, cancel,
                          "multi_thread_upload")

    def thread_pool_upload(
        self,
        upload_pool: Sequence[PathLike],
        pool_size: int = 10,
        *,
        max_speed: Speed = None,
        is_db: bool = True,
        progress: Optional[ProgressCallback] = None,
        cancel: Optional[CancelToken] = None,
        **seed_options: Any,
    ) -> bool:
        """Like :meth:`multi_thread_upload` with ``pool_size`` workers (``is_db`` optional, default True)."""
        reject_unknown("thread_pool_upload", seed_options, SEED_ONLY_UPLOAD_OPTIONS)
        return self._pool(upload_pool, thread_count(pool_size), max_speed, use_records(is_db), progress, cancel,
                          "thread_pool_upload")

    def _pool(
        self,
        manifests: Sequence[PathLike],
        workers: int,
        max_speed: Speed,
        records: bool,
        progress: Optional[ProgressCallback],
        cancel: Optional[CancelToken],
        what: str,
    ) -> bool:
        paths = [existing_file(p, f"{what}: upload.json") for p in pool_paths(manifests)]
        if not paths:
            return True
        bucket = TokenBucket(upload_speed(max_speed))  # one cap for every manifest of this call
        token = cancel if cancel is not None else self.cancel_token
        concurrent = min(workers, len(paths))
        per_manifest = max(2, math.ceil(self.threads / concurrent))

        def one(path: str) -> UploadResult:
            uploader = self._uploader(bucket, records, progress, token, per_manifest)
            return uploader.upload_manifest(existing_file(path, "upload.json"))

        failures: List[Tuple[str, str]] = []
        cancelled = False
        with ThreadPoolExecutor(max_workers=concurrent, thread_name_prefix="rfsync-pool") as pool:
            futures = [(path, pool.submit(one, path)) for path in paths]
            for path, fut in futures:  # every result is collected: no exception is lost
                try:
                    res = fut.result()
                except TransferCancelled:
                    cancelled = True
                    continue
                except RfsyncError as err:
                    failures.append((path, f"{path}: {err}"))
                    continue
                except Exception as err:
                    failures.append((path, f"{path}: internal error: {type(err).__name__}: {err}"))
                    continue
                cancelled = cancelled or res.cancelled
                failures += [(local, f"{path}: {reason}") for local, reason in res.failed]
        if cancelled or token.cancelled:
            raise TransferCancelled(f"{what} cancelled")
        if failures:
            more = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
            raise TransferError(f"{what}: {len(failures)} failure(s): {failures[0][1]}{more}", failures)
        return True

# --------------------------------------------------------------------------- module-level functions


def _with(client: Optional[Client]) -> RfsyncUpload:
    return RfsyncUpload(client)


def upload_asset(
    upload_json_path: PathLike,
    max_speed: Union[float, str, None] = None,
    is_db: bool = True,
    *,
    client: Optional[Client] = None,
    progress: Optional[ProgressCallback] = None,
    cancel: Optional[CancelToken] = None,
    **seed_options: Any,
) -> bool:
    """See :meth:`RfsyncUpload.upload_asset`; ``client=None`` → the default platform."""
    with _with(client) as up:
        return up.upload_asset(upload_json_path, max_speed, is_db, progress=progress, cancel=cancel,
                               **seed_options)


def upload_config(
    task_id: Union[str, int],
    config_file_list: Sequence[PathLike],
    max_speed: Union[float, str, None] = None,
    *,
    client: Optional[Client] = None,
    progress: Optional[ProgressCallback] = None,
    cancel: Optional[CancelToken] = None,
    **seed_options: Any,
) -> bool:
    """See :meth:`RfsyncUpload.upload_config`."""
    with _with(client) as up:
        return up.upload_config(task_id, config_file_list, max_speed, progress=progress, cancel=cancel,
                                **seed_options)


def upload(
    task_id: Union[str, int],
    task_json_path: Optional[PathLike],
    tips_json_path: Optional[PathLike],
    asset_json_path: Optional[PathLike],
    upload_json_path: PathLike,
    max_speed: Union[float, str, None] = None,
    *,
    client: Optional[Client] = None,
    progress: Optional[ProgressCallback] = None,
    cancel: Optional[CancelToken] = None,
    **seed_options: Any,
) -> bool:
    """See :meth:`RfsyncUpload.upload`."""
    with _with(client) as up:
        return up.upload(task_id, task_json_path, tips_json_path, asset_json_path, upload_json_path, max_speed,
                         progress=progress, cancel=cancel, **seed_options)


def multi_thread_upload(
    upload_pool: Sequence[PathLike],
    thread_num: int = 10,
    *,
    client: Optional[Client] = None,
    max_speed: Union[float, str, None] = None,
    is_db: bool = True,
    progress: Optional[ProgressCallback] = None,
    cancel: Optional[CancelToken] = None,
) -> bool:
    """See :meth:`RfsyncUpload.multi_thread_upload`."""
    with _with(client) as up:
        return up.multi_thread_upload(upload_pool, thread_num, max_speed=max_speed, is_db=is_db,
                                      progress=progress, cancel=cancel)


def thread_pool_upload(
    upload_pool: Sequence[PathLike],
    pool_size: int = 10,
    *,
    client: Optional[Client] = None,
    max_speed: Union[float, str, None] = None,
    is_db: bool = True,
    progress: Optional[ProgressCallback] = None,
    cancel: Optional[CancelToken] = None,
    **seed_options: Any,
) -> bool:
    """See :meth:`RfsyncUpload.thread_pool_upload`."""
    with _with(client) as up:
        return up.thread_pool_upload(upload_pool, pool_size, max_speed=max_speed, is_db=is_db,
                                     progress=progress, cancel=cancel, **seed_options)

