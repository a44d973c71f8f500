"""The seed's download API (``rayvision_sync``'s ``RayvisionDownload``), on rfsync's Downloader.

Same names, arguments and defaults as the seed; ``client``, ``progress``,
``cancel`` and ``on_exists`` are extra keywords. Each call returns ``True`` on
success and raises a typed error otherwise: :class:`TaskNotFoundError` for an
unknown task (at once, never an endless wait), :class:`TransferError` listing
every failed file or frame (after every good file was downloaded),
:class:`TransferCancelled` when cancelled. The caller's ``task_id_list`` is
never modified. Seed-only transport options (``engine_type``, ``server_ip`` …)
are accepted and ignored: rfsync talks to the platform's storage directly. The
seed's arguments are checked and renamed to the engine's in :mod:`.options`.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional, Sequence, Tuple, Union

from ..client import Client
from ..transfer.download import Downloader, DownloadResult
from ..transfer.progress import CancelToken, Progress, ProgressCallback
from .options import (
    SEED_ONLY_DOWNLOAD_OPTIONS,
    TaskIds,
    copied,
    parse_filename_format,
    reject_unknown,
    required_task_ids,
)

__all__ = ["RfsyncDownload", "auto_download", "auto_download_after_task_completed", "download",
           "parse_filename_format"]

Speed = Optional[Union[int, float, str]]
LocalPath = Union[str, Path, None]


class _Printer:
    """``print_log``: one line per new progress message, then a summary."""

    def __init__(self, chain: Optional[ProgressCallback]) -> None:
        self.chain = chain
        self.last = ""

    def __call__(self, snap: Progress) -> Optional[bool]:
        if snap.message and snap.message != self.last:
            self.last = snap.message
            print(f"[rfsync] {snap.message}", file=sys.stdout, flush=True)
        return self.chain(snap) if self.chain is not None else None


class RfsyncDownload:
    """The seed's ``RayvisionDownload(api)``: ``RfsyncDownload(Client("platform"))``."""

    def __init__(self, client: Optional[Client] = None) -> None:
        self._own_client = client is None
        self.client = client if client is not None else Client()

    def close(self) -> None:
        """Release the connections of a client this object made itself (as :class:`RfsyncUpload` does)."""
        if self._own_client:
            self.client.close()

    def __enter__(self) -> RfsyncDownload:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _start(self, method: str, seed_options: dict, download_filename_format: Union[str, bool], max_speed: Any,
               print_log: bool, progress: Optional[ProgressCallback], cancel: Optional[CancelToken],
               on_exists: str) -> Tuple[Downloader, bool]:
        """What every seed call begins with: its options checked, the engine's Downloader and ``flat``."""
        reject_unknown(method, seed_options, SEED_ONLY_DOWNLOAD_OPTIONS)
        flat = parse_filename_format(download_filename_format)
        callback: Optional[ProgressCallback] = _Printer(progress) if print_log else progress
        downloader = Downloader(self.client, max_speed=max_speed, progress=callback, cancel=cancel,
                                on_exists=on_exists)
        return downloader, flat

    @staticmethod
    def _finish(result: DownloadResult, print_log: bool) -> bool:
        if print_log:
            print(f"[rfsync] {result.summary()}", file=sys.stdout, flush=True)
        result.raise_for_failures()
        return True

    def download(
        self,
        task_id_list: TaskIds = None,
        max_speed: Speed = None,
        print_log: bool = True,
        download_filename_format: Union[str, bool] = "true",
        local_path: LocalPath = None,
        server_path: Union[str, Sequence[str], None] = None,
        *,
        progress: Optional[ProgressCallback] = None,
        cancel: Optional[CancelToken] = None,
        on_exists: str = "replace",
        **seed_options: Any,
    ) -> bool:
        """Download now what the tasks produced so far, or the ``server_path`` sub-tree(s) of ``output/``."""
        dl, flat = self._start("download", seed_options, download_filename_format, max_speed, print_log, progress,
                               cancel, on_exists)
        result = dl.download(copied(task_id_list), local_path, server_paths=copied(server_path), flat=flat)
        return self._finish(result, print_log)

    def auto_download(
        self,
        task_id_list: TaskIds = None,
        max_speed: Speed = None,
        print_log: bool = False,
        sleep_time: float = 10,
        download_filename_format: Union[str, bool] = "true",
        local_path: LocalPath = None,
        *,
        progress: Optional[ProgressCallback] = None,
        cancel: Optional[CancelToken] = None,
        on_exists: str = "replace",
        **seed_options: Any,
    ) -> bool:
        """Download each frame's outputs as soon as the farm marks it done, until every task has ended."""
        dl, flat = self._start("auto_download", seed_options, download_filename_format, max_speed, print_log,
                               progress, cancel, on_exists)
        result = dl.auto_download(required_task_ids(task_id_list), local_path, flat=flat, sleep_time=sleep_time)
        return self._finish(result, print_log)

    def auto_download_after_task_completed(
        self,
        task_id_list: TaskIds = None,
        max_speed: Speed = None,
        print_log: bool = True,
        sleep_time: float = 10,
        download_filename_format: Union[str, bool] = "true",
        local_path: LocalPath = None,
        *,
        progress: Optional[ProgressCallback] = None,
        cancel: Optional[CancelToken] = None,
        on_exists: str = "replace",
        **seed_options: Any,
    ) -> bool:
        """Wait until each task has ended, then download its outputs."""
        dl, flat = self._start("auto_download_after_task_completed", seed_options, download_filename_format,
                               max_speed, print_log, progress, cancel, on_exists)
        result = dl.auto_download(required_task_ids(task_id_list), local_path, flat=flat, sleep_time=sleep_time,
                                  after_complete=True)
        return self._finish(result, print_log)
@contextmanager
def _api(client: Optional[Client]) -> Iterator[RfsyncDownload]:
    """The caller's client, or a default-platform client closed after the call."""
    if client is not None:
        yield RfsyncDownload(client)
        return
    with Client() as own:
        yield RfsyncDownload(own)


def download(
    task_id_list: TaskIds = None,
    max_speed: Speed = None,
    print_log: bool = True,
    download_filename_format: Union[str, bool] = "true",
    local_path: LocalPath = None,
    server_path: Union[str, Sequence[str], None] = None,
    *,
    client: Optional[Client] = None,
    progress: Optional[ProgressCallback] = None,
    cancel: Optional[CancelToken] = None,
    on_exists: str = "replace",
    **seed_options: Any,
) -> bool:
    """The seed's ``download``; see :meth:`RfsyncDownload.download`."""
    with _api(client) as api:
        return api.download(task_id_list, max_speed, print_log, download_filename_format, local_path,
                            server_path, progress=progress, cancel=cancel, on_exists=on_exists, **seed_options)


def auto_download(
    task_id_list: TaskIds = None,
    max_speed: Speed = None,
    print_log: bool = False,
    sleep_time: float = 10,
    download_filename_format: Union[str, bool] = "true",
    local_path: LocalPath = None,
    *,
    client: Optional[Client] = None,
    progress: Optional[ProgressCallback] = None,
    cancel: Optional[CancelToken] = None,
    on_exists: str = "replace",
    **seed_options: Any,
) -> bool:
    """The seed's ``auto_download``; see :meth:`RfsyncDownload.auto_download`."""
    with _api(client) as api:
        return api.auto_download(task_id_list, max_speed, print_log, sleep_time, download_filename_format,
                                 local_path, progress=progress, cancel=cancel, on_exists=on_exists,
                                 **seed_options)


def auto_download_after_task_completed(
    task_id_list: TaskIds = None,
    max_speed: Speed = None,
    print_log: bool = True,
    sleep_time: float = 10,
    download_filename_format: Union[str, bool] = "true",
    local_path: LocalPath = None,
    *,
    client: Optional[Client] = None,
    progress: Optional[ProgressCallback] = None,
    cancel: Optional[CancelToken] = None,
    on_exists: str = "replace",
    **seed_options: Any,
) -> bool:
    """The seed's ``auto_download_after_task_completed``; see the method of :class:`RfsyncDownload`."""
    with _api(client) as api:
        return api.auto_download_after_task_completed(
            task_id_list, max_speed, print_log, sleep_time, download_filename_format, local_path,
            progress=progress, cancel=cancel, on_exists=on_exists, **seed_options)
