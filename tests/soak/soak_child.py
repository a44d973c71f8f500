"""The transferring process of the soak (killed with SIGKILL every few minutes by the soak).

Usage: python soak_child.py up PLATFORM ITEMS_JSON
       python soak_child.py down PLATFORM PAIRS_JSON LOCAL_ROOT
ITEMS_JSON / PAIRS_JSON hold ``[local, key]`` / ``[key, relative path]`` pairs. Prints one JSON line
(what arrived, what failed, bytes); exit code 0 only when everything arrived. The environment (HOME,
RFSYNC_*) comes from the soak.
"""

from __future__ import annotations

import json
import sys

from rfsync_core.client import Client
from rfsync_core.transfer.download import Downloader
from rfsync_core.transfer.upload import Uploader

MiB = 1024 * 1024


def main() -> int:
    mode, platform, pairs_file = sys.argv[1:4]
    with open(pairs_file, encoding="utf-8") as fh:
        pairs = [(a, b) for a, b in json.load(fh)]
    with Client(platform) as client:
        if mode == "up":
            up = Uploader(client, threads=4).upload_files(pairs)
            out = {"ok": up.ok, "done": len(up.uploaded), "skipped": len(up.skipped), "failed": up.failed[:5],
                   "nfailed": len(up.failed), "bytes": up.bytes_moved}
        else:
            dl = Downloader(client, threads=4, ranged_threshold=4 * MiB, range_size=2 * MiB, range_streams=3)
            result = dl.download_keys(pairs, sys.argv[4])
            out = {"ok": result.ok, "done": len(result.downloaded), "skipped": len(result.skipped),
                   "failed": result.failed[:5], "nfailed": len(result.failed), "bytes": result.bytes_moved}
    print(json.dumps(out, default=str), flush=True)
    return 0 if out["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
