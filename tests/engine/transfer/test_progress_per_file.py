"""Per-file bytes in progress snapshots (``Progress.current_bytes``): what gives a big file its percentage."""

from __future__ import annotations

from rfsync_core.transfer.progress import ProgressTracker


def test_bytes_counted_per_file_and_taken_back_on_retry() -> None:
    tr = ProgressTracker()
    tr.start_file("/big.abc", 1000)
    tr.start_file("/small.exr")  # no size given: no per-file figure
    tr.add_bytes(400, "/big.abc")
    tr.add_bytes(50, "/small.exr")
    assert tr.snapshot().current_bytes == (("/big.abc", 400, 1000),)
    tr.remove_bytes(300, "/big.abc")  # an attempt that will be retried
    assert tr.snapshot().current_bytes == (("/big.abc", 100, 1000),)
    assert tr.snapshot().bytes_done == 150
    tr.file_done("/big.abc")
    assert tr.snapshot().current_bytes == ()
