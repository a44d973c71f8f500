"""``mayapy -m rfsync_maya SCENE [--platform P] [--submit] [--max-speed KBPS]`` (see :mod:`.batch`)."""

from __future__ import annotations

import sys

from .batch import main

if __name__ == "__main__":
    sys.exit(main())
