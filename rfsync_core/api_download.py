"""The seed's download API (``rayvision_sync``'s ``RayvisionDownload``), on rfsync's Downloader.

Same names, arguments and defaults as the seed; ``client``, ``progress``,
``cancel`` and ``on_exists`` are extra keywords. Each call returns ``True`` on
success and raises a typed error otherwise: :class:`TaskNotFoundError` for an
unknown task (at once, never an endless wait), :class:`TransferError` listing
every failed file or frame (after every good file was downloaded),
:class:`TransferCancelled` when cancelled. The caller's ``task_id_list`` is
never modified. Seed-only transport options (``engine_type``, ``server_ip`` …)
are accepted and ignored: rfsync talks to the platform's storage directly.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Dict, Iterator, Optional, Sequence, Union

from .client import Client
from .errors import RfsyncError
from .transfer.download import Downloader, DownloadResult
from .transfer.progress import CancelToken, Progress, ProgressCallback

TaskIds = Union[str, int, Sequence[Union[str, int]], None]

SEED_ONLY_OPTIONS = frozenset({
    "engine_type", "server_ip", "server_port", "network_mode", "proxy_ip", "proxy_port", "enable_hash",
    "download_num", "is_test_stop", "asset",
})


def parse_filename_format(value: Union[str, bool]) -> bool:
    """The seed's ``download_filename_format`` ("true"/"false") → ``flat`` (True for "false")."""
    if isinstance(value, bool):
        return not value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes"):
        return False
    if text in ("false", "0", "no"):
        return True
    raise RfsyncError(f"download_filename_format must be \"true\" or \"false\", not {value!r}")


def _check_seed_options(options: Dict[str, Any]) -> None:
    unknown = sorted(set(options) - SEED_ONLY_OPTIONS)
    if unknown:
        raise TypeError(f"unexpected keyword argument(s): {', '.join(unknown)}")


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

    def _downloader(self, max_speed: Any, print_log: bool, progress: Optional[ProgressCallback],
                    cancel: Optional[CancelToken], on_exists: str) -> Downloader:
        callback: Optional[ProgressCallback] = _Printer(progress) if print_log else progress
        return Downloader(self.client, max_speed=max_speed, progress=callback, cancel=cancel, on_exists=on_exists)

    @staticmethod
    def _finish(result: DownloadResult, print_log: bool) -> bool:
        if print_log:
            print(f"[rfsync] {result.summary()}", file=sys.stdout, flush=True)
        result.raise_for_failures()
        return True

    def download(
        self,
        task_id_list: TaskIds = None,
        max_speed: Optional[Union[int, float, str]] = None,
        print_log: bool = True,
        download_filename_format: Union[str, bool] = "true",
        local_path: Union[str, Path, None] = None,
        server_path: Union[str, Sequence[str], None] = None,
        *,
        progress: Optional[ProgressCallback] = None,
        cancel: Optional[CancelToken] = None,
        on_exists: str = "replace",
        **seed_options: Any,
    ) -> bool:
        """Download now what the tasks produced so far, or the ``server_path`` sub-tree(s) of ``output/``."""
        _check_seed_options(seed_options)
        flat = parse_filename_format(download_filename_format)
        dl = self._downloader(max_speed, print_log, progress, cancel, on_exists)
        result = dl.download(_copy(task_id_list), local_path, server_paths=_copy(server_path), flat=flat)
        return self._finish(result, print_log)

    def auto_download(
        self,
        task_id_list: TaskIds = None,
        max_speed: Optional[Union[int, float, str]] = None,
        print_log: bool = False,
        sleep_time: float = 10,
        download_filename_format: Union[str, bool] = "true",
        local_path: Union[str, Path, None] = None,
        *,
        progress: Optional[ProgressCallback] = None,
        cancel: Optional[CancelToken] = None,
        on_exists: str = "replace",
        **seed_options: Any,
    ) -> bool:
        """Download each frame's outputs as soon as the farm marks it done, until every task has ended."""
        _check_seed_options(seed_options)
        flat = parse_filename_format(download_filename_format)
        dl = self._downloader(max_speed, print_log, progress, cancel, on_exists)
        result = dl.auto_download(_required(task_id_list), local_path, flat=flat, sleep_time=sleep_time)
        return self._finish(result, print_log)

    def auto_download_after_task_completed(
        self,
        task_id_list: TaskIds = None,
        max_speed: Optional[Union[int, float, str]] = None,
        print_log: bool = True,
        sleep_time: float = 10,
        download_filename_format: Union[str, bool] = "true",
        local_path: Union[str, Path, None] = None,
        *,
        progress: Optional[ProgressCallback] = None,
        cancel: Optional[CancelToken] = None,
        on_exists: str = "replace",
        **seed_options: Any,
    ) -> bool:
        """Wait until each task has ended, then download its outputs."""
        _check_seed_options(seed_options)
        flat = parse_filename_format(download_filename_format)
        dl = self._downloader(max_speed, print_log, progress, cancel, on_exists)
        result = dl.auto_download(_required(task_id_list), local_path, flat=flat, sleep_time=sleep_time,
                                  after_complete=True)
        return self._finish(result, print_log)


def _copy(value: Any) -> Any:
    """A private copy of a list argument: the caller's list is never touched."""
    return list(value) if isinstance(value, (list, tuple)) else value


def _required(task_id_list: TaskIds) -> Any:
    if task_id_list is None or (not isinstance(task_id_list, (str, int)) and len(task_id_list) == 0):
        raise RfsyncError("task_id_list is empty: name the task(s) to download")
    return _copy(task_id_list)


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
    max_speed: Optional[Union[int, float, str]] = None,
    print_log: bool = True,
    download_filename_format: Union[str, bool] = "true",
    local_path: Union[str, Path, None] = None,
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
    max_speed: Optional[Union[int, float, str]] = None,
    print_log: bool = False,
    sleep_time: float = 10,
    download_filename_format: Union[str, bool] = "true",
    local_path: Union[str, Path, None] = None,
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
    max_speed: Optional[Union[int, float, str]] = None,
    print_log: bool = True,
    sleep_time: float = 10,
    download_filename_format: Union[str, bool] = "true",
    local_path: Union[str, Path, None] = None,
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


__all__ = ["RfsyncDownload", "auto_download", "auto_download_after_task_completed", "download",
           "parse_filename_format"]
