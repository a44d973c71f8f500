"""``rfsync cut`` and ``rfsync append``: the upload manifest tools on the command line."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..manifest.append import append_files
from ..manifest.cut import cutting_upload


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:  # 0 used to mean "no limit" silently; a part of no assets is never meant
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {text!r}")
    return value


def _cut(args: argparse.Namespace) -> int:
    for part in cutting_upload(args.upload_json, args.max, args.out):
        print(part)
    return 0


def _append(args: argparse.Namespace) -> int:
    result = append_files(args.paths, args.upload_json, follow_usd=not args.no_follow)
    for warning in result.warnings:
        print(f"rfsync: warning: {warning}", file=sys.stderr)
    for path in result.missing:
        print(f"rfsync: missing: {path} (a USD stage needs it; listed in the upload.json, preflight stops on it)",
              file=sys.stderr)
    added = result.added
    print(f"added {added} entr{'y' if added == 1 else 'ies'} to {args.upload_json}")
    return 0


def register(subparsers: Any) -> None:
    cut = subparsers.add_parser(
        "cut",
        help="cut an upload.json into parts of at most N assets",
        description=(
            "Cut UPLOAD_JSON into UPLOAD_1.json, UPLOAD_2.json ... of at most N assets each; every part "
            "also holds the scene entries. Leftover parts of an earlier cut of the same file are removed. "
            "Prints the parts' paths, one per line."
        ),
    )
    cut.add_argument("upload_json", metavar="UPLOAD_JSON", help="the upload.json to cut (left unchanged)")
    cut.add_argument("--max", metavar="N", type=_positive_int, required=True,
                     help="most assets per part (1 or more)")
    cut.add_argument("--out", metavar="DIR", default=None,
                     help="folder for the parts (created if missing); default: UPLOAD_JSON's folder")
    cut.set_defaults(func=_cut)

    append = subparsers.add_parser(
        "append",
        help="add files or folders to an upload.json",
        description=(
            "Add files, and every file under folders (recursively, hidden files too), to the asset list "
            "of UPLOAD_JSON, skipping paths already listed. The file is created if it does not exist. A USD "
            "file (.usd/.usda/.usdc/.usdz) brings every layer and asset it needs (sublayers, references, "
            "payloads, variants, clips, textures; needs pxr); what is not found is listed as missing."
        ),
    )
    append.add_argument("upload_json", metavar="UPLOAD_JSON", help="the upload.json to add to")
    append.add_argument("paths", metavar="PATH", nargs="+", help="files or folders to add")
    append.add_argument("--no-follow", action="store_true", help="add USD files alone, not their dependencies")
    append.set_defaults(func=_append)
