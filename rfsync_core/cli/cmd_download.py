"""``rfsync download`` and ``rfsync auto-download``: bring rendered frames back, with live progress.

Exit code 0 only when every expected output arrived (no failed file, no failed
or unrendered frame); 1 otherwise, with every failure listed; 130 on Ctrl-C,
after the transfer was cancelled cleanly (the download runs in a worker thread
so the main thread can cancel it and wait for it to stop).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any, Callable

from ..app.console import EXIT_CANCELLED, run_cancellable
from ..errors import RfsyncError
from .bars import ProgressBars
from .cmd_upload import PROCESSES_HELP, check_processes

if TYPE_CHECKING:  # pragma: no cover - imported where used: every rfsync command builds this parser
    from ..transfer.download import Downloader, DownloadResult

ON_EXISTS_CHOICES = ("replace", "skip", "keep-both")
"""``transfer.download.ON_EXISTS``, spelled out so building the parser does not import the downloader
(checked against it when the command runs)."""


def print_summary(result: DownloadResult, local_root: str, out: Any = None) -> None:
    out = out or sys.stdout
    for st in result.tasks.values():
        print(st.summary(), file=out)
    print(f"{result.summary()} -> {local_root}", file=out)
    if result.stopped:  # one line for the run, not one per file that was never tried
        print(f"  STOPPED {result.stopped}", file=out)
        return
    for what, why in result.failed[:50]:
        print(f"  FAILED {what}: {why}", file=out)
    if len(result.failed) > 50:
        print(f"  ... and {len(result.failed) - 50} more failures", file=out)


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--local-path", metavar="DIR", help="where files land (default ~/renderfarm_sdk)")
    p.add_argument("--flat", action="store_true",
                   help="put the task's outputs straight into DIR (download_filename_format=\"false\")")
    p.add_argument("--platform", "-p", metavar="P", help="platform name (default $RFSYNC_PLATFORM or 'local')")
    p.add_argument("--max-speed", type=float, metavar="KBPS", help="bandwidth cap in KB/s for all threads")
    p.add_argument("--threads", type=int, default=8, help="parallel downloads (default 8)")
    p.add_argument("--processes", type=int, metavar="N", help=PROCESSES_HELP)
    p.add_argument("--on-exists", choices=ON_EXISTS_CHOICES, default="replace",
                   help="a different local file is already there: replace it (default), skip, or keep both")
    p.add_argument("--quiet", action="store_true", help="no progress bars")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("download", help="download task outputs now (or server_path sub-trees)",
                              description="Download what the tasks produced so far, or --server-path "
                                          "sub-trees of output/ (with or without task ids).")
    p.add_argument("task_ids", nargs="*", metavar="TASK_ID")
    p.add_argument("--server-path", action="append", default=[], metavar="P",
                   help="only this sub-tree of output/, e.g. 123_sh010/beauty (repeatable)")
    _add_common(p)
    p.set_defaults(func=cmd_download)

    a = subparsers.add_parser("auto-download", help="download frames as the farm finishes them",
                              description="Poll the tasks and download each frame's outputs as soon as it is "
                                          "done, until every task has ended.")
    a.add_argument("task_ids", nargs="*", metavar="TASK_ID")
    a.add_argument("--mine", action="store_true",
                   help="also every task of mine still running on the platform (from `rfsync tasks`), each into "
                        "the folder it was given (unless --local-path)")
    a.add_argument("--sleep", type=float, default=10.0, metavar="S", help="seconds between polls (default 10)")
    a.add_argument("--after-complete", action="store_true",
                   help="wait until each task has ended, then download it")
    _add_common(a)
    a.set_defaults(func=cmd_auto_download)


def _run(args: argparse.Namespace, work: Callable[[Downloader, str], DownloadResult], where: str = "") -> int:
    from ..client import Client
    from ..transfer.download import ON_EXISTS, Downloader

    if args.on_exists not in ON_EXISTS:
        raise RfsyncError(f"--on-exists {args.on_exists!r} is not one of {', '.join(ON_EXISTS)}")
    check_processes(args.processes)
    bars = ProgressBars(enabled=not args.quiet, label="download")
    with Client(args.platform) as client:
        dl = Downloader(client, threads=args.threads, max_speed=args.max_speed, progress=bars.progress,
                        on_status=bars.status, on_exists=args.on_exists, processes=args.processes)
        root = Downloader.local_root(args.local_path)
        try:
            result, error, interrupted = run_cancellable(lambda: work(dl, root), dl.cancel, name="rfsync-download")
        finally:
            bars.close()
    if error is not None:
        raise error
    if result is not None:
        print_summary(result, where or root)
    if interrupted or result is None or result.cancelled:
        return EXIT_CANCELLED
    return 0 if result.ok else 1


def cmd_download(args: argparse.Namespace) -> int:
    return _run(args, lambda dl, root: dl.download(args.task_ids or None, root,
                                                   server_paths=args.server_path or None, flat=args.flat))


def cmd_auto_download(args: argparse.Namespace) -> int:
    if args.mine:
        from ..app.farm_poll import auto_download_groups, folder_groups, running_entries
        from ..config import default_platform_name

        running = running_entries(args.platform or default_platform_name())
        print(f"rfsync: running tasks of mine: {', '.join(e.task_id for e in running) or 'none'}", file=sys.stderr)
        groups = folder_groups(args.task_ids, running, args.local_path, args.flat)
        if not groups:
            return 0
        if len(groups) > 1:  # each task into the folder it was given (the host's render folder), all at once
            from ..transfer.download import Downloader

            where = ", ".join(Downloader.local_root(g.folder) for g in groups)
            return _run(args, lambda dl, _root: auto_download_groups(
                dl, groups, sleep_time=args.sleep, after_complete=args.after_complete), where)
        (group,) = groups
        args.task_ids, args.local_path, args.flat = list(group.task_ids), group.folder, group.flat
    if not args.task_ids:
        raise RfsyncError("auto-download needs task ids, or --mine")
    return _run(args, lambda dl, root: dl.auto_download(args.task_ids, root, flat=args.flat,
                                                        sleep_time=args.sleep,
                                                        after_complete=args.after_complete))

