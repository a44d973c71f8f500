"""The ``rfsync`` command's tqdm bars, drawn from the engine's progress snapshots.

Bytes with files done/total, and one bar of frames per farm task. Only on a terminal; logs get
the summary line instead.
"""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, Any, Dict, Optional, TextIO

if TYPE_CHECKING:  # pragma: no cover
    from ..farm import TaskStatus
    from ..transfer.progress import Progress

__all__ = ["ProgressBars"]


class ProgressBars:
    """tqdm bars fed from progress snapshots and task statuses (both arrive on worker threads)."""

    def __init__(self, enabled: bool = True, label: str = "transfer", stream: Optional[TextIO] = None) -> None:
        from tqdm import tqdm

        self._tqdm = tqdm
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and self.stream.isatty()  # no bars in logs and pipes: the summary says it all
        self.label = label
        self._lock = threading.Lock()
        self._bytes: Any = None
        self._tasks: Dict[str, Any] = {}

    def _bytes_bar(self) -> Any:
        if self._bytes is None:
            self._bytes = self._tqdm(total=0, unit="B", unit_scale=True, unit_divisor=1024, desc=self.label,
                                     position=0, leave=True, disable=not self.enabled, file=self.stream,
                                     dynamic_ncols=True)
        return self._bytes

    def progress(self, snap: Progress) -> None:
        """Progress callback for the uploader and the downloader."""
        with self._lock:
            bar = self._bytes_bar()
            bar.total = max(snap.bytes_total, snap.bytes_done)
            bar.n = snap.bytes_done
            bar.set_postfix_str(f"{snap.files_done}/{snap.files_total} files"
                                + (f", {snap.files_failed} failed" if snap.files_failed else ""), refresh=False)
            bar.refresh()

    __call__ = progress

    def status(self, st: TaskStatus) -> None:
        """Task-status callback of the downloader: frames done/total per task."""
        with self._lock:
            self._bytes_bar()
            bar = self._tasks.get(st.task_id)
            if bar is None:
                bar = self._tqdm(total=len(st.frames), unit="frame", desc=f"task {st.task_id}",
                                 position=len(self._tasks) + 1, leave=True, disable=not self.enabled,
                                 file=self.stream)
                self._tasks[st.task_id] = bar
            bar.total = len(st.frames)
            bar.n = st.frames_done
            state = "waiting for the farm" if st.submitted_only else st.state
            bar.set_postfix_str(state + (f", {st.frames_failed} failed" if st.frames_failed else ""),
                                refresh=False)
            bar.refresh()

    def close(self) -> None:
        with self._lock:
            for bar in [self._bytes, *self._tasks.values()]:
                if bar is not None:
                    bar.close()
