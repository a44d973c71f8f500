"""Entry point of the ``rfsync`` command.

Sub-commands live in ``cmd_*.py`` modules beside this one; each exposes
``register(subparsers)`` and sets ``func(args) -> int`` on its parsers. User
errors (:class:`~rfsync_core.errors.RfsyncError`) print one line and exit 1;
Ctrl-C exits 130 after the command cancelled its transfer.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from typing import List, Optional

from .._version import __version__
from ..errors import RfsyncError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rfsync",
        description="Render-farm sync: upload scene assets, download rendered frames.",
    )
    parser.add_argument("--version", action="version", version=f"rfsync {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    package = importlib.import_module(__package__ or "rfsync_core.cli")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.startswith("cmd_"):
            importlib.import_module(f"{package.__name__}.{info.name}").register(sub)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except RfsyncError as err:
        print(f"rfsync: error: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("rfsync: cancelled", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
