"""rfsync: render-farm sync, host-agnostic engine.

This module is the public façade: everything a user script or a host plugin may
import is listed in ``__all__``; anything else is internal and may change.
Names are imported lazily (PEP 562) so ``import rfsync_core`` stays cheap inside
a host and the CLI starts fast.

The façade spans the layers (lazily); the engine below it never imports Qt, a host module, the
front ends (``app``, ``ui``, ``cli``) or ``testing`` — ``tests/test_layout.py`` holds that rule.
"""

from __future__ import annotations

import importlib
from typing import Any, Dict

from ._version import __version__

_EXPORTS: Dict[str, str] = {
    # errors
    "RfsyncError": "errors",
    "ManifestError": "errors",
    "ConfigError": "errors",
    "CredentialsError": "errors",
    "UnsafePathError": "errors",
    "LocalPathError": "errors",
    "StorageError": "errors",
    "NotFoundError": "errors",
    "AccessDeniedError": "errors",
    "BadDigestError": "errors",
    "PartCorruptedError": "errors",
    "ThrottledError": "errors",
    "ServerError": "errors",
    "StorageConnectionError": "errors",
    "ChangedDuringTransferError": "errors",
    "TransferCancelled": "errors",
    "TransferError": "errors",
    "FarmError": "errors",
    "TaskNotFoundError": "errors",
    # paths and manifests
    "local_to_server": "paths",
    "safe_join": "paths",
    "UploadManifest": "manifest",
    "load_manifest": "manifest",
    "cutting_upload": "manifest",
    "append_to_upload": "manifest",
    # platforms and the client
    "Platform": "config",
    "Credentials": "config",
    "load_platforms": "config",
    "get_platform": "config",
    "Client": "client",
    # transfers
    "Progress": "transfer.progress",
    "CancelToken": "transfer.progress",
    "Uploader": "transfer.upload",
    "UploadResult": "transfer.upload",
    "Downloader": "transfer.download",
    "DownloadResult": "transfer.download",
    # the seed's API
    "RfsyncUpload": "seed.upload",
    "RfsyncDownload": "seed.download",
    "upload_asset": "seed.upload",
    "upload_config": "seed.upload",
    "upload": "seed.upload",
    "multi_thread_upload": "seed.upload",
    "thread_pool_upload": "seed.upload",
    "download": "seed.download",
    "auto_download": "seed.download",
    "auto_download_after_task_completed": "seed.download",
    # farm protocol
    "TaskStatus": "farm",
    "read_task_status": "farm",
    # host contract
    "HostAdapter": "app.host",
    "expand_file_pattern": "collect",
    "collect_files": "collect",
    "CollectResult": "collect",
    "TaskInfo": "app.tasks",
    "TransferSettings": "config.settings",
    "new_task_id": "farm",
    "work_folder": "app.tasks",
    "task_folder": "app.tasks",
    "write_task_configs": "app.tasks",
    "write_upload_manifest": "app.tasks",
    "upload_manifest_job": "app.jobs",
    "submit_job": "app.jobs",
    "download_job": "app.jobs",
    "ConsoleProgress": "app.console",
    "frame_list": "app.tasks",
    # terminals: the CLI and the hosts' batch modes
    "run_cancellable": "app.console",
    "ProgressBars": "cli.bars",
    "EXIT_CANCELLED": "app.console",
    "send_from_batch": "app.batch",
    "settings_with": "app.batch",
    "default_download_root": "config",
    # the host plugins: rfsync's own library folder, after the host's site-packages
    "use_host_dependencies": "deps",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'rfsync_core' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list:
    return sorted(__all__)
