"""``python -m rfsync_maya SCENE …`` where ``rfsync_maya`` is already on ``sys.path`` (a checkout).

Not for mayapy with the installed module: mayapy's ``-m`` cannot see a module's packages; use
``mayapy <module>/rfsync_batch.py SCENE …`` (see :mod:`.batch`).
"""

from __future__ import annotations

import sys

from .batch import main

if __name__ == "__main__":
    sys.exit(main())
