"""A transfer panel's states: running, then one final state (their one owner; the panel re-exports them)."""

from __future__ import annotations

RUNNING = "running"
DONE = "done"
DONE_WITH_ERRORS = "done with errors"
CANCELLED = "cancelled"
FAILED = "failed"
FINAL_STATES = (DONE, DONE_WITH_ERRORS, CANCELLED, FAILED)
