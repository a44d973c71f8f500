"""Batch mode: ``mayapy -m rfsync_maya SCENE [--platform P] [--submit] [--max-speed KBPS]``.

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
from typing import Any, List, Optional

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_MISSING, EXIT_CANCELLED = 0, 1, 2, 3, 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mayapy -m rfsync_maya",
        description="Upload a Maya scene and every file it needs to the render farm (and submit it).")
    parser.add_argument("scene", help="the Maya scene file (.ma/.mb)")
    parser.add_argument("--platform", help="rfsync platform name (default: the saved setting, else "
                                           "$RFSYNC_PLATFORM or 'local')")
    parser.add_argument("--submit", action="store_true", help="also submit a render task (task.json last)")
    parser.add_argument("--task-id", help="task id to submit under (default: a new one)")
    parser.add_argument("--max-speed", type=float, metavar="KBPS", help="bandwidth cap in KB/s")
    parser.add_argument("--threads", type=int, help="parallel transfers (default: the saved setting, 8)")
    parser.add_argument("--allow-missing", action="store_true",
                        help="upload what was found even if some files are missing")
    return parser


def _run_job(job: Any, progress: Any) -> Any:
    """Run a job in a thread so Ctrl-C in the main thread cancels it cleanly."""
    from rfsync_core import CancelToken, run_cancellable

    cancel = CancelToken()
    result, error, _interrupted = run_cancellable(lambda: job(progress, cancel), cancel.cancel, name="rfsync-batch")
    if error is not None:
        raise error
    return result


def run(args: argparse.Namespace) -> int:
    from maya import cmds

    from rfsync_core import (
        ConsoleProgress,
        RfsyncError,
        TransferSettings,
        new_task_id,
        submit_job,
        task_folder,
        upload_manifest_job,
        work_folder,
        write_task_configs,
        write_upload_manifest,
    )

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
    collected = host.collect_assets()
    for warning in collected.warnings:
        print(f"rfsync: warning: {warning}", file=sys.stderr)
    print(f"rfsync: {len(collected.found)} file(s) found, {len(collected.missing)} missing")
    if collected.missing:
        for path in collected.missing:
            print(f"rfsync: missing: {path}", file=sys.stderr)
        if not args.allow_missing:
            print("rfsync: error: missing files; fix them or pass --allow-missing", file=sys.stderr)
            return EXIT_MISSING
    try:
        saved = TransferSettings.load()
        settings = TransferSettings(
            platform=args.platform or saved.platform,
            max_speed=args.max_speed if args.max_speed is not None else saved.max_speed,
            threads=args.threads or saved.threads)
        if args.submit:
            task_id = args.task_id or new_task_id()
            info = host.task_info(task_id, scene)
            configs = write_task_configs(task_folder(scene, task_id), info, collected)
            print(f"rfsync: task {task_id}: configs in {os.path.dirname(configs['task.json'])}")
            job = submit_job(task_id, configs, settings)
        else:
            manifest = write_upload_manifest(os.path.join(work_folder(scene), "upload.json"), scene,
                                             collected.found)
            print(f"rfsync: upload list {manifest}")
            job = upload_manifest_job(manifest, settings)
        result = _run_job(job, ConsoleProgress())
    except RfsyncError as err:
        print(f"rfsync: error: {err}", file=sys.stderr)
        return EXIT_FAILED
    if result.cancelled:
        print("rfsync: cancelled", file=sys.stderr)
        return EXIT_CANCELLED
    if result.failed:
        print(f"rfsync: error: {len(result.failed)} file(s) failed", file=sys.stderr)
        return EXIT_FAILED
    done = f"task {task_id} submitted" if args.submit else "all files arrived"
    print(f"rfsync: done: {done} ({len(result.uploaded)} uploaded, {len(result.skipped)} unchanged)")
    return EXIT_OK


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
