"""rfsync's shared Qt UI (through Qt.py: PySide2, PySide6 or PyQt5 — whatever the host ships).

Hosts import from here: :class:`HostActions` and :class:`HostWords` (the one interactive flow of
the three plugins), :class:`TransferPanel` (one transfer's non-modal window), :func:`run_in_panel`,
:class:`SettingsDialog`. The engine never imports this package; this package never imports a host
module.
"""

from __future__ import annotations

from .actions import HostActions, HostWords
from .panel import (
    CANCELLED,
    DONE,
    DONE_WITH_ERRORS,
    FAILED,
    RUNNING,
    TransferPanel,
    active_panels,
    run_in_panel,
)
from .settings import SettingsDialog
from .worker import TransferRunner, TransferWorker

__all__ = [
    "CANCELLED",
    "DONE",
    "DONE_WITH_ERRORS",
    "FAILED",
    "RUNNING",
    "HostActions",
    "HostWords",
    "SettingsDialog",
    "TransferPanel",
    "TransferRunner",
    "TransferWorker",
    "active_panels",
    "run_in_panel",
]
