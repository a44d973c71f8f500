"""A worker process's downloads (built there by :mod:`rfsync_core.transfer.procs`; the parent's side
is :mod:`.inworker`): a run of its own (storage, watch, the shared cap), records left to the parent."""

from __future__ import annotations

import dataclasses
import os
import threading
from typing import Any, List, Optional, Tuple

from ..progress import CancelToken
from ..records import DownloadRecord
from ..throttle import TokenBucket
from .result import Item, version_tag
from .run import Run

Row = Tuple[str, str, int, str, int]


class GetInWorker:
    """Fetch, verify and rename as a thread of the parent would (:meth:`Run._fetch`); return the rows."""

    def __init__(self, limiter: TokenBucket, cancel: CancelToken, client: Any, local_root: str,
                 options: Any) -> None:
        self.cancel = cancel
        self.rows = threading.local()
        self.inner = Run(client, local_root, dataclasses.replace(options, processes=1), limiter=limiter,
                         cancel=cancel, use_records=False)
        self.inner._record = self._record  # type: ignore[method-assign]

    def _record(self, key: str, target: str, info: Any, st: Optional[os.stat_result] = None) -> None:
        if st is None or os.name == "nt":  # as Run._record: Windows may settle the write time at close
            st = os.stat(target)
        self.rows.value.append((key, target, info.size, version_tag(info), st.st_mtime_ns))

    def run(self, payload: Tuple[Item, str, Optional[DownloadRecord]]) -> Tuple[Any, List[Row]]:
        item, target, rec = payload
        self.cancel.check()
        self.rows.value = []
        out = self.inner._fetch(item, target, rec)
        return out, self.rows.value

    def close(self) -> None:
        self.inner.close()
