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
from typing import Any, List, Optional

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_MISSING, EXIT_CANCELLED = 0, 1, 2, 3, 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="katana --script rfsync_batch.py",
        description="Upload a Katana project and every file it needs to the render farm (and submit it).")
    parser.add_argument("project", help="the Katana project file (.katana)")
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
    collected = collect_scene(scene)
    for warning in collected.warnings:
        print(f"rfsync: warning: {warning}", file=sys.stderr)
    print(f"rfsync: {len(collected.found)} file(s) found, {len(collected.missing)} missing")
    if collected.missing:
        for path in collected.missing:
            print(f"rfsync: missing: {path}", file=sys.stderr)
        if not args.allow_missing:
            print("rfsync: error: missing files; fix them or pass --allow-missing", file=sys.stderr)
            return EXIT_MISSING
    task_id = ""
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
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:  # argparse exits; give the caller a code instead
        return int(exit_.code or 0) if isinstance(exit_.code, int) else EXIT_USAGE
    return run(args)
