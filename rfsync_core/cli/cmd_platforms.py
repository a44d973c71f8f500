"""``rfsync platforms``: which platforms exist, what engine, where defined, where they point.

Credentials are never shown; only the names of unknown option keys are (their
values could be anything a user typed).
"""

from __future__ import annotations

import argparse
import json
from typing import Any, Dict, List

from ..config import Platform, default_platform_name, load_platforms, platform_files


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "platforms",
        help="list the known platforms",
        description="List the known platforms: name, engine, where each is defined and where it points. "
        "The default platform (RFSYNC_PLATFORM, else 'local') is marked with '*'. "
        "Credentials are never shown.",
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--files", action="store_true",
                        help="list the platforms files that are read, lowest precedence first")
    parser.set_defaults(func=run)


def _describe(platform: Platform, default: str) -> Dict[str, Any]:
    out: Dict[str, Any] = {
        "name": platform.name,
        "default": platform.name == default,
        "engine": platform.engine,
        "server_name": platform.server_name,
        "layer": platform.layer,
        "source": platform.source,
    }
    if platform.engine == "folder":
        out["root"] = platform.root
    else:
        out.update(endpoint=platform.endpoint, bucket=platform.bucket, prefix=platform.prefix,
                   region=platform.region, path_style=platform.path_style)
    out["option_keys"] = sorted(platform.options)
    return out


def _table(rows: List[List[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)


def _print_files(as_json: bool) -> int:
    files = platform_files()
    if as_json:
        print(json.dumps([{"layer": f.layer, "path": str(f.path), "exists": f.path.is_file()} for f in files],
                         indent=2))
        return 0
    rows = [["LAYER", "EXISTS", "PATH"]]
    rows += [[f.layer, "yes" if f.path.is_file() else "no", str(f.path)] for f in files]
    print(_table(rows))
    return 0


def run(args: argparse.Namespace) -> int:
    if args.files:
        return _print_files(args.json)
    platforms = load_platforms()
    default = default_platform_name()
    if args.json:
        print(json.dumps([_describe(p, default) for p in platforms.values()], indent=2))
        return 0
    rows = [["", "NAME", "ENGINE", "SERVER", "LOCATION", "DEFINED IN"]]
    for platform in platforms.values():
        where = platform.layer + (f" ({platform.source})" if platform.source else "")
        rows.append(["*" if platform.name == default else "", platform.name, platform.engine,
                     platform.server_name or "-", platform.location, where])
    print(_table(rows))
    if default not in platforms:
        print(f"\nThe default platform {default!r} (RFSYNC_PLATFORM) is not defined.")
        return 1
    return 0
