"""What both kinds of transfer report, so a front end reads any result the same way.

Why a base: the panel, the CLI and batch mode show "N moved, M unchanged, K failed, bytes in
seconds" for uploads and downloads alike; with one base they read :attr:`TransferResult.done` and
:attr:`TransferResult.bytes_moved` instead of trying ``uploaded`` then ``downloaded``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import List, Tuple

__all__ = ["TransferResult"]


@dataclass
class TransferResult:
    """Files are named by what the transfer knows them by (local path up, storage key down)."""

    skipped: List[str] = field(default_factory=list)
    """Already there and unchanged: not sent again."""
    failed: List[Tuple[str, str]] = field(default_factory=list)
    """``(what, one-line reason)``."""
    duration: float = 0.0
    cancelled: bool = False
    stopped: str = ""
    """Why the run stopped early on its own (the server went away): one line, or empty."""

    @property
    def ok(self) -> bool:
        return not self.failed and not self.cancelled

    @property
    def done(self) -> List[str]:
        """The files this run moved (``uploaded`` or ``downloaded``)."""
        raise NotImplementedError

    @property
    def bytes_moved(self) -> int:
        """Bytes this run moved (``bytes_sent`` or ``bytes_received``)."""
        raise NotImplementedError

    @property
    def counts(self) -> Tuple[int, int, int]:
        """``(moved, skipped, failed)``."""
        return len(self.done), len(self.skipped), len(self.failed)

    def merge(self, other: TransferResult) -> None:
        """Add another run's files and failures to this one (``duration`` stays the caller's)."""
        self.done.extend(other.done)
        self.skipped += other.skipped
        self.failed += other.failed
        self.cancelled = self.cancelled or other.cancelled
        self.stopped = self.stopped or other.stopped
