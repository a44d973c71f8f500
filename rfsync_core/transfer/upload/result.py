"""What an upload run returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List

from ...errors import TransferCancelled, TransferError
from ..result import TransferResult

__all__ = ["UploadResult"]


@dataclass
class UploadResult(TransferResult):
    """What a run did. Files are named by their local path; ``failed`` is ``(local path, reason)``."""

    uploaded: List[str] = field(default_factory=list)
    bytes_sent: int = 0
    """Bytes of successful PUTs and parts (retried attempts not counted)."""
    parts_sent: int = 0
    parts_reused: int = 0
    """Multipart parts found already on the server (resume) and not sent again."""
    keys: Dict[str, str] = field(default_factory=dict, repr=False)
    """local path → storage key, for every planned file."""

    @property
    def done(self) -> List[str]:
        return self.uploaded

    @property
    def bytes_moved(self) -> int:
        return self.bytes_sent

    def raise_for_failures(self, what: str = "upload") -> None:
        """Raise :class:`TransferCancelled` if cancelled, :class:`TransferError` if any file failed."""
        if self.cancelled:
            raise TransferCancelled(
                f"{what} cancelled ({len(self.uploaded)} uploaded, {len(self.skipped)} unchanged before it stopped)"
            )
        if self.failed:
            first = self.failed[0][1]
            more = f" (and {len(self.failed) - 1} more)" if len(self.failed) > 1 else ""
            raise TransferError(f"{what}: {len(self.failed)} file(s) failed: {first}{more}", self.failed)

    def merge(self, other: TransferResult) -> None:
        """Add another run's result to this one (e.g. several manifests)."""
        super().merge(other)
        if isinstance(other, UploadResult):
            self.bytes_sent += other.bytes_sent
            self.parts_sent += other.parts_sent
            self.parts_reused += other.parts_reused
            self.keys.update(other.keys)
