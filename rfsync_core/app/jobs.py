"""Transfer jobs the hosts run (in the panel's worker thread, or in batch): upload, submit, download.

A job is ``job(progress_callback, cancel_token) -> result``; the UI worker and batch mode run it the
same way, so the three plugins never build an ``Uploader`` themselves.
"""

from __future__ import annotations

from typing import Any, Callable, Dict, Optional, Sequence

from ..client import Client
from ..config.settings import TransferSettings
from ..errors import FarmError
from ..farm.ids import check_task_id
from ..farm.layout import CONFIG_NAMES, UPLOAD_CONFIG, config_key, submit_batches
from ..farm.status import task_id_used
from ..transfer.download import Downloader
from ..transfer.upload import Uploader

__all__ = ["TransferJob", "download_job", "merge_results", "submit_job", "upload_manifest_job"]


TransferJob = Callable[[Callable[[Any], Optional[bool]], Any], Any]
"""``job(progress_callback, cancel_token) -> result``: what the UI worker and batch mode run."""


def upload_manifest_job(manifest_path: str, settings: TransferSettings, processes: Optional[int] = 1) -> TransferJob:
    """Upload the assets (and scene) an ``upload.json`` lists, with the user's settings (``processes``:
    worker processes for small files; 1 in a host's session, batch modes may ask for more)."""

    def run(progress: Callable[[Any], Optional[bool]], cancel: Any) -> Any:
        with Client(settings.platform) as client:
            uploader = Uploader(client, threads=settings.threads, max_speed=settings.max_speed,
                                progress=progress, cancel=cancel, processes=processes)
            return uploader.upload_manifest(manifest_path)

    return run


def submit_job(task_id: str, configs: Dict[str, str], settings: TransferSettings,
               processes: Optional[int] = 1) -> TransferJob:
    """Submit a task: assets first, then the config files, ``task.json`` last (farm-protocol §3).

    ``configs`` maps each of ``farm.CONFIG_NAMES`` to its local file (``write_task_configs``).
    Refuses a task id already used on the platform (anything under
    ``tasks/<id>/``, §2). Stops before the configs when an asset failed or the
    transfer was cancelled, so the farm never starts a task whose files did
    not all arrive. Returns the combined ``UploadResult``.
    """

    check_task_id(task_id)  # the farm's rule, before anything is sent

    def run(progress: Callable[[Any], Optional[bool]], cancel: Any) -> Any:
        with Client(settings.platform) as client:
            if task_id_used(client.storage, task_id):
                raise FarmError(f"task id {task_id} is already used on platform {client.platform.name}")

            def uploader() -> Any:
                return Uploader(client, threads=settings.threads, max_speed=settings.max_speed,
                                progress=progress, cancel=cancel, processes=processes)
            up = uploader()
            results = [up.upload_manifest(configs[UPLOAD_CONFIG])]
            for names in submit_batches(CONFIG_NAMES):
                if not results[-1].ok:
                    break
                results.append(up.upload_files([(configs[n], config_key(task_id, n)) for n in names]))
            return merge_results(results)

    return run


def merge_results(results: Sequence[Any]) -> Any:
    """One ``UploadResult`` for several consecutive uploads of one job."""
    first = results[0]
    if len(results) == 1:
        return first
    out = type(first)()
    for result in results:
        out.merge(result)
    out.duration = sum(r.duration for r in results)
    return out


def download_job(task_ids: Sequence[str], local_path: Optional[str], settings: TransferSettings,
                 wait: bool = False, sleep_time: float = 10.0) -> TransferJob:
    """Download a task's rendered files now, or (``wait``) frame by frame until the tasks end."""

    def run(progress: Callable[[Any], Optional[bool]], cancel: Any) -> Any:
        with Client(settings.platform) as client:
            downloader = Downloader(client, threads=settings.threads, max_speed=settings.max_speed,
                                    progress=progress, cancel=cancel)
            if wait:
                return downloader.auto_download(list(task_ids), local_path, sleep_time=sleep_time)
            return downloader.download(list(task_ids), local_path)

    return run
