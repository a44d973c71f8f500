"""``rfsync upload`` and ``rfsync upload-config``: the uploader from a terminal.

A live tqdm bar (bytes, files done/total, rate, ETA) on a terminal, a summary at
the end, exit code 0 only when every file arrived. Ctrl-C cancels cleanly: the
transfer runs in a worker thread, the main thread catches KeyboardInterrupt,
cancels, waits for the workers, prints the summary and exits 130 (the engine
itself installs no signal handlers).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any, List, Optional, TextIO, Tuple

from ..app.console import EXIT_CANCELLED, human_bytes, run_cancellable
from ..errors import RfsyncError
from ..transfer.progress import CancelToken
from .bars import ProgressBars
from .cmd_preflight import add_preflight_arguments, check_manifests


def register(subparsers: Any) -> None:
    up = subparsers.add_parser(
        "upload",
        help="upload the files listed in upload.json files",
        description="Upload the assets listed in one or more upload.json files to input/<server path>.",
    )
    up.add_argument("upload_json", nargs="+", metavar="UPLOAD_JSON", help="upload.json file(s)")
    up.add_argument("--platform", "-p", help="platform name (default: $RFSYNC_PLATFORM or 'local')")
    up.add_argument("--max-speed", type=float, metavar="KBPS",
                    help="bandwidth cap in KB/s for the whole transfer (0: unlimited; default unlimited)")
    up.add_argument("--threads", type=int, default=8, metavar="N", help="transfer threads (default 8)")
    up.add_argument("--processes", type=int, metavar="N", help=PROCESSES_HELP)
    up.add_argument("--no-db", action="store_true",
                    help="do not read or write the upload records (multipart resume state included)")
    up.add_argument("--recheck", action="store_true",
                    help="ask the server about every file instead of trusting the records")
    up.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    up.add_argument("--no-preflight", action="store_true", help="do not check the files before uploading")
    up.add_argument("--force", action="store_true", help="upload even when the preflight check finds errors")
    add_preflight_arguments(up)
    up.set_defaults(func=run_upload)

    cfg = subparsers.add_parser(
        "upload-config",
        help="upload a task's configuration files to tasks/<TASK_ID>/cfg/",
        description="Upload configuration files (task.json, asset.json, tips.json, upload.json) of a task.",
    )
    cfg.add_argument("task_id", metavar="TASK_ID")
    cfg.add_argument("files", nargs="+", metavar="FILE")
    cfg.add_argument("--platform", "-p", help="platform name (default: $RFSYNC_PLATFORM or 'local')")
    cfg.add_argument("--max-speed", type=float, metavar="KBPS", help="bandwidth cap in KB/s")
    cfg.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
    cfg.set_defaults(func=run_upload_config)


def print_summary(result: Any, out: Optional[TextIO] = None) -> None:
    """One summary line, then each failure on its own line."""
    out = out if out is not None else sys.stdout
    secs = max(result.duration, 1e-9)
    rate = result.bytes_sent / secs / (1024 * 1024)
    state = " (cancelled)" if result.cancelled else ""
    print(f"uploaded {len(result.uploaded)}, skipped {len(result.skipped)} unchanged, failed {len(result.failed)}"
          f"{state}; {human_bytes(result.bytes_sent)} in {result.duration:.1f}s ({rate:.1f} MiB/s)", file=out)
    if result.stopped:  # one line for the run, not one per file that was never tried
        print(f"  STOPPED {result.stopped}", file=out)
        return
    for _local, reason in result.failed:
        print(f"  FAILED {reason}", file=out)


PROCESSES_HELP = ("worker processes for small files, each with a few of the threads (default: cores - 1 "
                  "when the run has many small files; 1: this process's threads only)")


def check_processes(value: Optional[int]) -> None:
    """``--processes`` is a positive whole number, or absent (the default from the cores)."""
    if value is not None and value < 1:
        raise RfsyncError(f"--processes must be at least 1, got {value}")


def _client(platform: Optional[str]) -> Any:
    from ..client import Client

    return Client(platform)


def run_upload(args: argparse.Namespace) -> int:
    from ..manifest import load_manifest
    from ..paths import input_key
    from ..transfer.upload import Uploader

    if args.threads < 1:
        raise RfsyncError(f"--threads must be at least 1, got {args.threads}")
    check_processes(args.processes)
    if not args.no_preflight:
        blocking = check_manifests(args.upload_json, args).blocking(args.strict)
        if blocking and not args.force:
            raise RfsyncError(f"preflight: {len(blocking)} finding(s) block the upload, nothing was sent; fix "
                              "them, or pass --force to upload anyway (--no-preflight skips the check)")
    items: List[Tuple[str, str]] = []
    bad: List[Tuple[str, str]] = []
    for path in args.upload_json:
        for local, server in load_manifest(path).entries():
            try:
                items.append((local, input_key(server)))
            except RfsyncError as err:
                bad.append((local, f"{path}: {local}: {err}"))
    client = _client(args.platform)
    token = CancelToken()
    bar = ProgressBars(enabled=not args.quiet, label="upload")
    uploader = Uploader(client, threads=args.threads, max_speed=args.max_speed or None, use_records=not args.no_db,
                        recheck=args.recheck, progress=bar.progress, cancel=token, processes=args.processes)
    start = time.monotonic()
    try:
        result, error, interrupted = run_cancellable(lambda: uploader.upload_files(items), token.cancel,
                                                     name="rfsync-cli-upload")
    finally:
        bar.close()
        client.close()
    if error is not None:
        raise error
    if result is None:  # pragma: no cover - the worker always hands back a result or an error
        return EXIT_CANCELLED if interrupted else 1
    result.failed[:0] = bad
    result.duration = result.duration or time.monotonic() - start
    print_summary(result)
    if interrupted or result.cancelled:
        return EXIT_CANCELLED
    return 0 if result.ok else 1


def run_upload_config(args: argparse.Namespace) -> int:
    """Upload the configs (``task.json`` last); once ``task.json`` arrived the task is submitted, so it goes
    in the task history like a host's submit (``rfsync tasks``, ``auto-download --mine``)."""
    import os

    from ..app.task_history import record_submit
    from ..farm.layout import TASK_CONFIG
    from ..seed.upload import RfsyncUpload

    client = _client(args.platform)
    token = CancelToken()
    bar = ProgressBars(enabled=not args.quiet, label="upload")
    api = RfsyncUpload(client, progress=bar.progress, cancel=token)
    try:
        _ok, error, interrupted = run_cancellable(
            lambda: api.upload_config(args.task_id, args.files, max_speed=args.max_speed or 0), token.cancel,
            name="rfsync-cli-upload")
    finally:
        bar.close()
        client.close()
    if interrupted:
        print("rfsync: cancelled", file=sys.stderr)
        return EXIT_CANCELLED
    if error is not None:
        raise error
    print(f"uploaded {len(args.files)} config file(s) to tasks/{args.task_id}/cfg/")
    task_config = next((f for f in args.files if os.path.basename(f) == TASK_CONFIG), None)
    if task_config is not None:
        record_submit(client.platform.name, task_config, task_id=str(args.task_id))
    return 0
