"""What a download call returns, and the small naming rules shared by its parts."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

from ...errors import TransferCancelled, TransferError
from ...farm import TaskStatus
from ...storage.base import ObjectInfo
from ..result import TransferResult


@dataclass
class DownloadResult(TransferResult):
    """What a download call did; files are named by storage key. ``failed`` also holds failed frames
    as ``("task T frame F", reason)``."""

    downloaded: List[str] = field(default_factory=list)
    failed_frames: List[Tuple[str, str, str]] = field(default_factory=list)
    """``(task_id, frame, reason)`` of frames the farm failed or never rendered."""
    bytes_received: int = 0
    tasks: Dict[str, TaskStatus] = field(default_factory=dict)
    """The last status seen of each task."""
    local_files: Dict[str, str] = field(default_factory=dict)
    """Storage key → local file, for every file downloaded or skipped."""
    hidden_skipped: int = 0
    """Listed outputs not fetched because their name starts with ``.`` (a farm's temporary names,
    docs/farm-protocol.md §4): counted so a real output named that way is never dropped silently."""

    @property
    def done(self) -> List[str]:
        return self.downloaded

    @property
    def bytes_moved(self) -> int:
        return self.bytes_received

    def merge(self, other: TransferResult) -> None:
        """Add another call's result to this one."""
        super().merge(other)
        if isinstance(other, DownloadResult):
            self.failed_frames += other.failed_frames
            self.bytes_received += other.bytes_received
            self.tasks.update(other.tasks)
            self.local_files.update(other.local_files)
            self.hidden_skipped += other.hidden_skipped

    def summary(self) -> str:
        text = (f"{len(self.downloaded)} downloaded, {len(self.skipped)} already here, "
                f"{len(self.failed)} failed, {self.bytes_received} bytes in {self.duration:.1f} s")
        if self.hidden_skipped:
            text += f", skipped {self.hidden_skipped} hidden file{'s' if self.hidden_skipped != 1 else ''}"
        return text + (" (cancelled)" if self.cancelled else "")

    def raise_for_failures(self) -> None:
        """TransferCancelled if cancelled; TransferError listing every failure if any."""
        if self.cancelled:
            raise TransferCancelled("download cancelled")
        if self.failed:
            shown = "; ".join(f"{what}: {why}" for what, why in self.failed[:5])
            more = f" (and {len(self.failed) - 5} more)" if len(self.failed) > 5 else ""
            raise TransferError(f"download failed for {len(self.failed)} item(s): {shown}{more}", self.failed)


@dataclass(frozen=True)
class Item:
    key: str
    rel: str
    """Path relative to the local root, ``/``-separated (checked by safe_join)."""
    info: Optional[ObjectInfo] = None


def record_key(key: str, target: str) -> str:
    """Records key of one download: the storage key *and* where it was saved.

    The same output may be downloaded into several local folders (nested and
    flat, another ``local_path``); each copy has its own record so none of them
    is fetched twice. NUL cannot occur in a key or a path, so the pair is unambiguous.
    """
    return f"{key}\x00{target}"


def version_tag(info: ObjectInfo) -> str:
    """What identifies the remote version in the records: the ETag, else size + mtime (folder engines)."""
    return info.etag or f"size={info.size};mtime={info.mtime:.6f}"


def keep_both_name(target: str) -> str:
    """``a/b.exr`` → the first free ``a/b (1).exr``, ``a/b (2).exr``…"""
    stem, ext = os.path.splitext(target)
    n = 1
    while os.path.lexists(f"{stem} ({n}){ext}"):
        n += 1
    return f"{stem} ({n}){ext}"
