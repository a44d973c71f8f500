"""``python -m rfsync_houdini HIP …`` where ``python/`` is on the path (see :mod:`.batch`; the documented
hython entry is ``<pref>/rfsync/rfsync_batch.py``: ``hython -m`` is unconfirmed)."""

from __future__ import annotations

from .batch import main_exit

if __name__ == "__main__":
    main_exit()
