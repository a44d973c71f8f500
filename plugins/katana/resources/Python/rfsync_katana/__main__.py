"""``python -m rfsync_katana PROJECT …`` where Katana's modules are importable (see :mod:`.batch`)."""

from __future__ import annotations

import sys

from .batch import main

if __name__ == "__main__":
    sys.exit(main())
