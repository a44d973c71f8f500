"""``rfsync preflight``: what the farm will trip over, checked locally; also run first by ``rfsync upload``.

Prints a short table (one line per finding, grouped by cause); the exit code is 0 when nothing blocks:
errors always do, warnings with ``--strict``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Optional, Sequence, TextIO

from ..config.platforms import get_platform
from ..errors import RfsyncError
from ..farm.frames import expand_frames
from ..manifest import UploadManifest, load_manifest
from ..preflight import PreflightReport, PreflightSettings, preflight, report_lines


def add_preflight_arguments(parser: argparse.ArgumentParser) -> None:
    """The options that say what the farm needs (shared by ``preflight`` and ``upload``)."""
    parser.add_argument("--strict", action="store_true", help="warnings block too (errors always do)")
    parser.add_argument("--frames", metavar="LIST",
                        help="frames the render needs, e.g. 1-100 (a sequence missing one of them is an error)")
    parser.add_argument("--project", metavar="DIR", help="the project folder (files outside it and every --root "
                                                        "are reported)")
    parser.add_argument("--root", metavar="DIR", action="append", default=[],
                        help="a root the farm maps (repeatable; the platform's 'roots' count too)")
    parser.add_argument("--linux-farm", action="store_true",
                        help="the farm is not Windows: skip the 260-character and Windows name checks")


def settings_from(args: argparse.Namespace) -> PreflightSettings:
    """The checks' settings: the options, and the roots of the chosen platform (``--platform``) with ``--root``."""
    frames = None
    if getattr(args, "frames", None):
        try:
            frames = [int(f) for f in expand_frames(args.frames)]
        except ValueError as err:
            raise RfsyncError(f"--frames {args.frames!r}: {err}") from None
    roots = list(get_platform(getattr(args, "platform", None)).roots) + list(args.root)
    return PreflightSettings(frames=frames, project_root=args.project, roots=roots,
                             windows_farm=not args.linux_farm, max_speed=getattr(args, "max_speed", None) or None)


def check_manifests(paths: Sequence[str], args: argparse.Namespace, out: Optional[TextIO] = None) -> PreflightReport:
    """Preflight of every listed manifest together (collisions cross files), its table printed to ``out``."""
    merged = UploadManifest()
    for path in paths:
        manifest = load_manifest(path)
        merged.scene.extend(manifest.scene)
        merged.asset.extend(manifest.asset)
        lost = manifest.extra.get("missing")
        if isinstance(lost, list):
            merged.extra.setdefault("missing", []).extend(lost)
    report = preflight(merged, settings_from(args))
    for line in report_lines(report):
        print(line, file=out if out is not None else sys.stdout)
    return report


def run_preflight(args: argparse.Namespace) -> int:
    report = check_manifests(args.upload_json, args)
    blocking = report.blocking(args.strict)
    if blocking:
        kind = "error(s) or warning(s)" if args.strict else "error(s)"
        print(f"rfsync: preflight failed: {len(blocking)} {kind}", file=sys.stderr)
        return 1
    print("rfsync: preflight passed")
    return 0


def register(subparsers: Any) -> None:
    pre = subparsers.add_parser(
        "preflight",
        help="check the files of upload.json files before uploading",
        description=("Check every file UPLOAD_JSON lists, locally (stat only): missing or unreadable files, "
                     "frames missing from sequences, empty files, changes since collect, letter-case clashes, "
                     "Windows path and name limits, files outside the project, very large files. Exit code 0 "
                     "when nothing blocks (errors; warnings too with --strict), 1 otherwise."),
    )
    pre.add_argument("upload_json", nargs="+", metavar="UPLOAD_JSON", help="upload.json file(s)")
    add_preflight_arguments(pre)
    pre.add_argument("--max-speed", type=float, metavar="KBPS", help="bandwidth cap for the time estimates")
    pre.add_argument("--platform", "-p", help="the platform whose known roots count as mapped (default: "
                                              "$RFSYNC_PLATFORM or 'local')")
    pre.set_defaults(func=run_preflight)


