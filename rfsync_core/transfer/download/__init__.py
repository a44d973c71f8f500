"""Downloads of farm outputs: :class:`Downloader` and what it returns.

The modules, one concept each: :mod:`.downloader` (the public calls and auto-download's polling),
:mod:`.select` (which keys a call fetches), :mod:`.run` (one call at work: pool, per-file steps,
records), :mod:`.part` (one ``.part`` over one resumable GET), :mod:`.ranged` (one big file over
parallel ranged GETs), :mod:`.gate` (how many small files at once), :mod:`.result`.
"""

from __future__ import annotations

from .downloader import MAX_FAILED_POLLS, ON_EXISTS, Downloader, StatusCallback
from .part import PART_SUFFIX
from .result import DownloadResult, keep_both_name, record_key, version_tag
from .select import normalize_output_subpath

normalize_server_path = normalize_output_subpath
"""The old name (a download's sub-tree of ``output/`` is not a manifest's server path)."""

__all__ = [
    "MAX_FAILED_POLLS",
    "ON_EXISTS",
    "PART_SUFFIX",
    "DownloadResult",
    "Downloader",
    "StatusCallback",
    "keep_both_name",
    "normalize_output_subpath",
    "normalize_server_path",
    "record_key",
    "version_tag",
]
