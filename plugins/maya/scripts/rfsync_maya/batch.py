"""Batch mode: ``mayapy <module>/rfsync_batch.py SCENE [--platform P] [--submit] [--max-speed KBPS]``.

Opens the scene with ``maya.standalone``, collects its files, writes the config
files into the scene's rfsync work folder, uploads with console progress, and
exits 0 only when everything arrived. Exit codes: 0 done; 1 a transfer or
setup error; 2 bad arguments; 3 missing files (nothing uploaded; pass
``--allow-missing`` to upload the rest anyway); 130 cancelled (Ctrl-C).
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
        prog="mayapy rfsync_batch.py",
        description="Upload a Maya scene and every file it needs to the render farm (and submit it).")
    parser.add_argument("scene", help="the Maya scene file (.ma/.mb)")
    return add_transfer_arguments(parser)


def run(args: argparse.Namespace) -> int:
    from maya import cmds

    from rfsync_core import TransferSettings
    from rfsync_core.app.batch import send_from_batch, settings_with
    from rfsync_core.app.host import host_frames

    from .host import MayaHost

    scene = os.path.abspath(args.scene)
    if not os.path.isfile(scene):
        print(f"rfsync: error: scene {scene} does not exist", file=sys.stderr)
        return EXIT_FAILED
    try:
        cmds.file(scene, open=True, force=True)
    except RuntimeError as err:  # Maya raises for load errors but may still have opened the scene
        if os.path.normcase(os.path.abspath(str(cmds.file(query=True, sceneName=True) or ""))) != \
                os.path.normcase(scene):
            print(f"rfsync: error: cannot open {scene}: {err}", file=sys.stderr)
            return EXIT_FAILED
        print(f"rfsync: warning: {scene} opened with errors: {err}", file=sys.stderr)
    host = MayaHost()
    return send_from_batch(
        scene, host.collect_assets,
        lambda: settings_with(TransferSettings.load(), args.platform, args.max_speed, args.threads),
        task_info=(lambda task_id: host.task_info(task_id, scene)) if args.submit else None,
        task_id=args.task_id, allow_missing=args.allow_missing, strict=args.strict, frames=host_frames(host),
        processes=args.processes)


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    import maya.standalone

    maya.standalone.initialize(name="python")
    try:
        return run(args)
    finally:
        try:
            maya.standalone.uninitialize()
        except Exception as err:  # the exit code must still reach the caller
            print(f"rfsync: warning: maya.standalone.uninitialize failed: {err}", file=sys.stderr)
