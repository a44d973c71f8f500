"""Script mode: ``katana --script <resources>/rfsync_batch.py PROJECT [--platform P] [--submit] …``.

Loads the project with ``KatanaFile.Load``, collects its files, writes the config files
into the project's rfsync work folder, uploads with console progress, and returns an exit
code: 0 done (everything arrived); 1 a transfer or setup error; 2 bad arguments; 3 missing
files (nothing uploaded; ``--allow-missing`` uploads the rest anyway); 130 cancelled (Ctrl-C).
``katana --script`` needs a render licence (hosts.md); whether Katana passes the script's
exit code on to the shell is unconfirmed — the last line printed always says how it ended.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional

from rfsync_core.app.batch import (  # noqa: F401 (the exit codes are this module's too)
    EXIT_CANCELLED,
    EXIT_FAILED,
    EXIT_MISSING,
    EXIT_OK,
    EXIT_USAGE,
    add_transfer_arguments,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="katana --script rfsync_batch.py",
        description="Upload a Katana project and every file it needs to the render farm (and submit it).")
    parser.add_argument("project", help="the Katana project file (.katana)")
    return add_transfer_arguments(parser)


def load_project(path: str) -> Optional[str]:
    """Load ``path``; None when it loaded (warnings are printed), else the error message."""
    from Katana import KatanaFile, NodegraphAPI

    try:
        KatanaFile.Load(path)
    except Exception as err:  # Katana may raise for load problems yet still have loaded the project
        loaded = str(NodegraphAPI.GetProjectFile() or "")
        if not loaded or os.path.normcase(os.path.abspath(loaded)) != os.path.normcase(path):
            return f"cannot load {path}: {err}"
        print(f"rfsync: warning: {path} loaded with errors: {err}", file=sys.stderr)
    return None


def run(args: argparse.Namespace) -> int:
    from rfsync_core import TransferSettings
    from rfsync_core.app.batch import send_from_batch, settings_with
    from rfsync_core.app.host import host_frames

    from .collect import collect_scene
    from .host import KatanaHost

    scene = os.path.abspath(args.project)
    if not os.path.isfile(scene):
        print(f"rfsync: error: project {scene} does not exist", file=sys.stderr)
        return EXIT_FAILED
    problem = load_project(scene)
    if problem:
        print(f"rfsync: error: {problem}", file=sys.stderr)
        return EXIT_FAILED
    host = KatanaHost()
    return send_from_batch(
        scene, lambda: collect_scene(scene),
        lambda: settings_with(TransferSettings.load(), args.platform, args.max_speed, args.threads),
        task_info=(lambda task_id: host.task_info(task_id, scene)) if args.submit else None,
        task_id=args.task_id, allow_missing=args.allow_missing, strict=args.strict, frames=host_frames(host),
        processes=args.processes)


def main(argv: Optional[List[str]] = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:  # argparse exits; give the caller a code instead
        return int(exit_.code or 0) if isinstance(exit_.code, int) else EXIT_USAGE
    return run(args)
