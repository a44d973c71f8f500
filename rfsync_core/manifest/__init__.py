"""The ``upload.json``: its model (:mod:`.model`), canonical atomic writer (:mod:`.writer`), the cut's
streaming reader (:mod:`.reader`), :func:`cutting_upload` (:mod:`.cut`) and :func:`append_to_upload`
(:mod:`.append`).

This package only re-exports; its modules import each other directly, never this ``__init__``.
"""

from __future__ import annotations

from .append import append_to_upload
from .cut import CUT_MARKER, cutting_upload
from .model import UploadManifest, load_manifest

__all__ = [
    "CUT_MARKER",
    "UploadManifest",
    "append_to_upload",
    "cutting_upload",
    "load_manifest",
]
