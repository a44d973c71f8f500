"""A real upload process for the subprocess tests (SIGKILL mid-upload, two processes sharing records).

Usage: python upload_child.py PLATFORM ITEMS_JSON [--max-speed KBPS] [--threads N]
ITEMS_JSON holds a list of [local, key] pairs, or is an upload.json (then its entries are used).
Prints one JSON line with the result; exit code 0 only when every file arrived.
"""

from __future__ import annotations

import argparse
import json
import sys

from rfsync_core.client import Client
from rfsync_core.transfer.upload import Uploader


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("platform")
    parser.add_argument("items")
    parser.add_argument("--max-speed", type=float, default=None)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    up = Uploader(Client(args.platform), max_speed=args.max_speed, threads=args.threads)
    with open(args.items, encoding="utf-8") as fh:
        data = json.load(fh)
    result = up.upload_manifest(args.items) if isinstance(data, dict) else up.upload_files(
        [(a, b) for a, b in data])
    print(json.dumps({"uploaded": result.uploaded, "skipped": result.skipped, "failed": result.failed,
                      "parts_sent": result.parts_sent, "parts_reused": result.parts_reused}), flush=True)
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
