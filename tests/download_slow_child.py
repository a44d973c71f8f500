"""Child process for the resume test: download one key slowly (max_speed), to be killed mid-file.

Usage: python download_slow_child.py PLATFORM KEY LOCAL_ROOT MAX_SPEED_KB
The environment (HOME, RFSYNC_*) comes from the parent test.
"""

from __future__ import annotations

import sys

from rfsync_core.client import Client
from rfsync_core.transfer.download import Downloader


def main() -> int:
    platform, key, root, speed = sys.argv[1:5]
    with Client(platform) as client:
        result = Downloader(client, max_speed=float(speed)).download_keys([(key, key.split("/")[-1])], root)
    print(result.summary(), flush=True)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
