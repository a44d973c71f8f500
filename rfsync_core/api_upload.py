"""Old import path of the seed's upload API, kept for one release: use :mod:`rfsync_core.seed.upload`.

Nothing lives here, and nothing of rfsync imports it (``tests/test_layout.py`` holds that).
"""

from __future__ import annotations

from .seed.options import SEED_ONLY_UPLOAD_OPTIONS as SEED_ONLY_OPTIONS
from .seed.upload import (
    RfsyncUpload,
    multi_thread_upload,
    thread_pool_upload,
    upload,
    upload_asset,
    upload_config,
)

__all__ = [
    "SEED_ONLY_OPTIONS",
    "RfsyncUpload",
    "multi_thread_upload",
    "thread_pool_upload",
    "upload",
    "upload_asset",
    "upload_config",
]
