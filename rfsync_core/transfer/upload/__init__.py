"""Uploads: :class:`Uploader` and what it returns.

The modules, one concept each: :mod:`.uploader` (the public calls), :mod:`.run` (the scheduler of
one run), :mod:`.plan` (stat, records, skips), :mod:`.multipart` (the multipart state machine),
:mod:`.send` (storage calls: retries, bandwidth, progress), :mod:`.state` (one file's state and
checks), :mod:`.result`.
"""

from __future__ import annotations

from .multipart import part_size_for
from .result import UploadResult
from .uploader import Uploader

__all__ = ["UploadResult", "Uploader", "part_size_for"]
