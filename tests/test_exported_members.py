"""The façade's public names: the list is a promise to users (seed API included), so it is spelled out
here and a removal or rename fails this test. Each name resolves lazily to the object its owning
module defines, and ``import rfsync_core`` alone stays cheap (no requests, no Qt, no tqdm)."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

import rfsync_core

PUBLIC = {
    # errors
    "RfsyncError", "ManifestError", "ConfigError", "CredentialsError", "UnsafePathError", "LocalPathError",
    "StorageError", "NotFoundError", "AccessDeniedError", "BadDigestError", "PartCorruptedError",
    "ThrottledError", "ServerError", "StorageConnectionError", "ChangedDuringTransferError", "TransferCancelled",
    "TransferError", "FarmError", "TaskNotFoundError",
    # paths, manifests, platforms
    "local_to_server", "safe_join", "UploadManifest", "load_manifest", "cutting_upload", "append_to_upload",
    "Platform", "Credentials", "load_platforms", "get_platform", "default_download_root", "Client",
    # transfers
    "Progress", "CancelToken", "Uploader", "UploadResult", "Downloader", "DownloadResult",
    # the seed's API (../shared/seed-api.md)
    "RfsyncUpload", "RfsyncDownload", "upload_asset", "upload_config", "upload", "multi_thread_upload",
    "thread_pool_upload", "download", "auto_download", "auto_download_after_task_completed",
    # farm protocol
    "TaskStatus", "read_task_status", "new_task_id",
    # what the host plugins and batch modes use
    "HostAdapter", "expand_file_pattern", "collect_files", "CollectResult", "TaskInfo", "TransferSettings",
    "work_folder", "task_folder", "write_task_configs", "write_upload_manifest", "upload_manifest_job",
    "submit_job", "download_job", "ConsoleProgress", "frame_list", "run_cancellable", "ProgressBars",
    "EXIT_CANCELLED", "send_from_batch", "settings_with", "use_host_dependencies",
    "__version__",
}


def test_all_is_exactly_the_promised_list() -> None:
    assert set(rfsync_core.__all__) == PUBLIC
    assert len(rfsync_core.__all__) == len(PUBLIC), "a name is listed twice"
    assert sorted(dir(rfsync_core)) == sorted(PUBLIC)


@pytest.mark.parametrize("name", sorted(PUBLIC - {"__version__"}))
def test_each_name_resolves_to_its_owner(name: str) -> None:
    value = getattr(rfsync_core, name)
    module = importlib.import_module(f"rfsync_core.{rfsync_core._EXPORTS[name]}")
    assert getattr(module, name) is value
    owner = getattr(value, "__module__", None)
    if owner is not None and not isinstance(value, (int, str)):  # constants have no owner to check
        assert owner.startswith("rfsync_core."), f"{name} comes from {owner}"
        assert not owner.startswith(("rfsync_core.hosts", "rfsync_core.api_")), f"{name} resolves through a shim"


def test_unknown_names_are_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        rfsync_core.nope  # noqa: B018


def test_import_is_cheap() -> None:
    code = ("import sys, rfsync_core; heavy = [m for m in ('requests', 'tqdm', 'Qt', 'PySide6', 'fastjsonschema') "
            "if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    assert rfsync_core.__version__.count(".") == 2
