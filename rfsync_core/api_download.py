"""Old import path of the seed's download API, kept for one release: use :mod:`rfsync_core.seed.download`.

Nothing lives here, and nothing of rfsync imports it (``tests/test_layout.py`` holds that).
"""

from __future__ import annotations

from .seed.download import (
    RfsyncDownload,
    auto_download,
    auto_download_after_task_completed,
    download,
    parse_filename_format,
)
from .seed.options import SEED_ONLY_DOWNLOAD_OPTIONS as SEED_ONLY_OPTIONS

__all__ = [
    "SEED_ONLY_OPTIONS",
    "RfsyncDownload",
    "auto_download",
    "auto_download_after_task_completed",
    "download",
    "parse_filename_format",
]
