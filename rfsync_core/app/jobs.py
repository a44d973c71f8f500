"""Transfer jobs the hosts run (in the panel's worker thread, or in batch): upload, submit, download.

A job is ``job(progress_callback, cancel_token) -> result``; the UI worker and batch mode run it the
same way, so the three plugins never build an ``Uploader`` themselves.
"""

from __future__ import annotations

import os
from typing import Any, Callable, Dict, Iterable, Optional, Sequence

from ..client import Client
from ..config.settings import TransferSettings
from ..errors import FarmError
from ..farm.ids import check_task_id
from ..farm.layout import CONFIG_NAMES, TASK_CONFIG, UPLOAD_CONFIG, config_key, submit_batches
from ..farm.status import task_id_used
from ..manifest import load_manifest
from ..transfer.download import Downloader
from ..transfer.upload import Uploader
from .task_history import record_submit

__all__ = ["CHECKING", "COLLECTING", "DOWNLOADING", "PHASES", "SUBMITTING", "UPLOADING", "PhaseCallback",
           "TransferJob", "download_job", "merge_results", "run_job", "submit_job", "upload_manifest_job"]


TransferJob = Callable[..., Any]
"""``job(progress_callback, cancel_token) -> result``: what the UI worker and batch mode run. The jobs made
here also take ``phase=`` (a :data:`PhaseCallback`); :func:`run_job` passes it to those that do."""

PhaseCallback = Callable[[str], None]
"""Told each phase as a job enters it (from the job's thread)."""

COLLECTING = "collecting"
"""The host gathers the scene's files (the flow, before the job)."""
CHECKING = "checking"
"""The job reads its lists, reaches the platform and compares with what is already there."""
UPLOADING = "uploading"
SUBMITTING = "submitting"
"""The task's config files, ``task.json`` last: the farm sees the task."""
DOWNLOADING = "downloading"
PHASES = (COLLECTING, CHECKING, UPLOADING, SUBMITTING, DOWNLOADING)


def _no_phase(_phase: str) -> None:
    """No one listens (batch mode, the command line)."""


def _reports_phases(job: Callable[..., Any]) -> Callable[..., Any]:
    job.reports_phases = True  # type: ignore[attr-defined]
    return job


def run_job(job: TransferJob, progress: Callable[[Any], Optional[bool]], cancel: Any,
            phase: Optional[PhaseCallback] = None) -> Any:
    """Run ``job``; ``phase`` hears its phases when it reports them (any plain 2-argument job runs too)."""
    if phase is not None and getattr(job, "reports_phases", False):
        return job(progress, cancel, phase=phase)
    return job(progress, cancel)


def _moving(progress: Callable[[Any], Optional[bool]], phase: PhaseCallback,
            name: str) -> Callable[[Any], Optional[bool]]:
    """``progress``, that also says ``name`` once the engine has planned what to move (a total is known)."""
    said = [False]

    def hook(snap: Any) -> Optional[bool]:
        if not said[0] and snap.files_total:
            said[0] = True
            phase(name)
        return progress(snap)

    return hook


def upload_manifest_job(manifest_path: str, settings: TransferSettings,
                        only: Optional[Iterable[str]] = None, processes: Optional[int] = 1) -> TransferJob:
    """Upload the assets (and scene) an ``upload.json`` lists, with the user's settings.

    ``only``: just these of its local files (a "Retry failed": the files that failed last time).
    ``processes``: worker processes for small files (1 in a host's session; batch modes may ask for more)."""

    @_reports_phases
    def run(progress: Callable[[Any], Optional[bool]], cancel: Any, phase: PhaseCallback = _no_phase) -> Any:
        phase(CHECKING)
        with Client(settings.platform) as client:
            uploader = Uploader(client, threads=settings.threads, max_speed=settings.max_speed,
                                progress=_moving(progress, phase, UPLOADING), cancel=cancel, processes=processes)
            return uploader.upload_manifest(_only(manifest_path, only))

    return run


def _only(manifest_path: str, only: Optional[Iterable[str]]) -> Any:
    """The manifest to upload: its path, or (``only``) the manifest cut down to those local files."""
    if only is None:
        return manifest_path
    keep = {os.path.normpath(p) for p in only}
    manifest = load_manifest(manifest_path)
    manifest.scene = [e for e in manifest.scene if os.path.normpath(e["local"]) in keep]
    manifest.asset = [e for e in manifest.asset if os.path.normpath(e["local"]) in keep]
    return manifest


def submit_job(task_id: str, configs: Dict[str, str], settings: TransferSettings,
               output_dir: str = "", processes: Optional[int] = 1,
               only: Optional[Iterable[str]] = None) -> TransferJob:
    """Submit a task: assets first, then the config files, ``task.json`` last (farm-protocol §3).

    ``configs`` maps each of ``farm.CONFIG_NAMES`` to its local file (``write_task_configs``).
    Refuses a task id already used on the platform (anything under
    ``tasks/<id>/``, §2). Stops before the configs when an asset failed or the
    transfer was cancelled, so the farm never starts a task whose files did
    not all arrive. Returns the combined ``UploadResult``. A complete submit is recorded in the task
    history (:mod:`.task_history`), with ``output_dir`` as the task's download folder. ``only``: of the
    assets, just these local files (a "Retry failed"); the configs still follow, all of them.
    """

    check_task_id(task_id)  # the farm's rule, before anything is sent

    @_reports_phases
    def run(progress: Callable[[Any], Optional[bool]], cancel: Any, phase: PhaseCallback = _no_phase) -> Any:
        phase(CHECKING)
        with Client(settings.platform) as client:
            if task_id_used(client.storage, task_id):
                raise FarmError(f"task id {task_id} is already used on platform {client.platform.name}")

            up = Uploader(client, threads=settings.threads, max_speed=settings.max_speed,
                          progress=_moving(progress, phase, UPLOADING), cancel=cancel, processes=processes)
            results = [up.upload_manifest(_only(configs[UPLOAD_CONFIG], only))]
            for names in submit_batches(CONFIG_NAMES):
                if not results[-1].ok:
                    break
                if len(results) == 1:
                    phase(SUBMITTING)
                results.append(up.upload_files([(configs[n], config_key(task_id, n)) for n in names]))
            result = merge_results(results)
            if result.ok and len(results) > 1:
                record_submit(client.platform.name, configs[TASK_CONFIG], output_dir)
            return result

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
                 wait: bool = False, sleep_time: float = 10.0, flat: bool = False) -> TransferJob:
    """Download a task's rendered files now, or (``wait``) frame by frame until the tasks end.

    ``flat`` is the seed's ``download_filename_format="false"``: no ``<task>_<scene>`` folder."""

    @_reports_phases
    def run(progress: Callable[[Any], Optional[bool]], cancel: Any, phase: PhaseCallback = _no_phase) -> Any:
        phase(CHECKING)
        with Client(settings.platform) as client:
            downloader = Downloader(client, threads=settings.threads, max_speed=settings.max_speed,
                                    progress=_moving(progress, phase, DOWNLOADING), cancel=cancel)
            if wait:
                return downloader.auto_download(list(task_ids), local_path, sleep_time=sleep_time, flat=flat)
            return downloader.download(list(task_ids), local_path, flat=flat)

    return run
