"""The common end of every host's batch mode (``mayapy``, ``hython``, ``katana --script``).

Why here: once a host has opened its scene and collected the files, what follows is the same
everywhere and was written three times: report what was found and what is missing (stop unless
missing files are allowed), write the task configs (submit) or the upload list, run the transfer
in a worker thread so Ctrl-C cancels it cleanly, and turn the result into an exit code. The host
plugins keep only what is theirs: opening the scene, collecting, and the host's task details.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from typing import Callable, Collection, Optional, TextIO

from ..collect import CollectResult, follow_usd
from ..config.settings import TransferSettings
from ..errors import RfsyncError
from ..farm import new_task_id
from ..preflight import PreflightSettings, preflight, report_lines
from ..transfer.procs import worker_executable
from .console import EXIT_CANCELLED, ConsoleProgress, run_cancellable
from .jobs import submit_job, upload_manifest_job
from .tasks import TaskInfo, task_folder, work_folder, write_task_configs, write_upload_manifest

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_MISSING, EXIT_PREFLIGHT = 0, 1, 2, 3, 4
__all__ = ["EXIT_CANCELLED", "EXIT_FAILED", "EXIT_MISSING", "EXIT_OK", "EXIT_PREFLIGHT", "EXIT_USAGE",
           "add_transfer_arguments", "send_from_batch", "settings_with"]


def add_transfer_arguments(parser: argparse.ArgumentParser,
                           platform_default: str = "the saved setting") -> argparse.ArgumentParser:
    """The options every batch mode shares, read back by :func:`settings_with` and :func:`send_from_batch`."""
    parser.add_argument("--platform", help=f"rfsync platform name (default: {platform_default}, else "
                                           "$RFSYNC_PLATFORM or 'local')")
    parser.add_argument("--submit", action="store_true", help="also submit a render task (task.json last)")
    parser.add_argument("--task-id", help="task id to submit under (default: a new one)")
    parser.add_argument("--max-speed", type=float, metavar="KBPS", help="bandwidth cap in KB/s")
    parser.add_argument("--threads", type=int, help="parallel transfers (default: the saved setting, 8)")
    parser.add_argument("--processes", type=int, metavar="N",
                        help="worker processes for small files (default: cores - 1 for many small files; "
                             "1: threads only; hosts with no plain Python known keep threads)")
    parser.add_argument("--allow-missing", action="store_true",
                        help="upload what was found even if some files are missing")
    parser.add_argument("--strict", action="store_true", help="preflight warnings stop the upload too")
    return parser


def settings_with(base: TransferSettings, platform: Optional[str] = None, max_speed: Optional[float] = None,
                  threads: Optional[int] = None) -> TransferSettings:
    """``base`` (the saved settings, or a node's) with the command line's overrides on top."""
    return dataclasses.replace(
        base,
        platform=platform or base.platform,
        max_speed=max_speed if max_speed is not None else base.max_speed,
        threads=threads or base.threads,
    )


def send_from_batch(scene: str, collect: Callable[[], CollectResult], settings: Callable[[], TransferSettings], *,
                    task_info: Optional[Callable[[str], TaskInfo]] = None, task_id: Optional[str] = None,
                    allow_missing: bool = False, strict: bool = False,
                    frames: Optional[Collection[int]] = None, thread_name: str = "rfsync-batch",
                    processes: Optional[int] = None,
                    out: Optional[TextIO] = None, err: Optional[TextIO] = None) -> int:
    """Upload what ``collect`` finds for ``scene``, or submit it as a task when ``task_info`` is given
    (it builds the task's details for a task id). ``settings`` is called once the files are known to
    be complete (a bad settings file is then an error like any other). The preflight table is printed
    before anything is sent; its errors (warnings too when ``strict``) stop the run. Prints one line per
    step; returns the exit code."""
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    try:
        collected = follow_usd(collect()).record_stats()
    except RfsyncError as exc:
        print(f"rfsync: error: {exc}", file=err)
        return EXIT_FAILED
    for warning in collected.warnings:
        print(f"rfsync: warning: {warning}", file=err)
    print(f"rfsync: {len(collected.found)} file(s) found, {len(collected.missing)} missing", file=out)
    if collected.missing:
        for path in collected.missing:
            print(f"rfsync: missing: {path}", file=err)
        if not allow_missing:
            print("rfsync: error: missing files; fix them or pass --allow-missing", file=err)
            return EXIT_MISSING
    report = preflight(collected, PreflightSettings(frames=frames))
    listed = ("missing", "case_mismatch") if allow_missing else ()
    for line in report_lines(report, skip_codes=("missing",)):
        print(f"rfsync: {line.strip()}" if line.startswith("  ") else f"rfsync: {line}", file=out)
    blocking = report.blocking(strict, ignore=listed)
    if blocking:
        print(f"rfsync: error: preflight: {len(blocking)} finding(s) stop the upload"
              f"{' (--strict: warnings count)' if strict else ''}; nothing was sent", file=err)
        return EXIT_PREFLIGHT
    task = ""
    if processes is not None and processes < 1:
        print(f"rfsync: error: --processes must be at least 1, got {processes}", file=err)
        return EXIT_USAGE
    if processes is not None and processes > 1 and worker_executable() is None:  # asked for, not possible
        print(f"rfsync: worker processes: no plain Python known under {os.path.basename(sys.executable)} "
              "(Katana's is unconfirmed); using threads", file=err)
        processes = 1
    try:
        chosen = settings()
        if task_info is not None:
            task = task_id or new_task_id()
            configs = write_task_configs(task_folder(scene, task), task_info(task), collected, preflight=report)
            print(f"rfsync: task {task}: configs in {os.path.dirname(configs['task.json'])}", file=out)
            job = submit_job(task, configs, chosen, processes=processes)
        else:
            manifest = write_upload_manifest(os.path.join(work_folder(scene), "upload.json"), scene,
                                             collected.found)
            print(f"rfsync: upload list {manifest}", file=out)
            job = upload_manifest_job(manifest, chosen, processes=processes)
        from ..transfer.progress import CancelToken

        cancel = CancelToken()
        progress = ConsoleProgress()
        result, error, interrupted = run_cancellable(lambda: job(progress, cancel), cancel.cancel,
                                                     name=thread_name, stream=err)
        if error is not None:
            raise error
    except RfsyncError as exc:
        print(f"rfsync: error: {exc}", file=err)
        return EXIT_FAILED
    if result is None or result.cancelled or interrupted:
        print("rfsync: cancelled", file=err)
        return EXIT_CANCELLED
    if result.failed:
        print(f"rfsync: error: {len(result.failed)} file(s) failed", file=err)
        return EXIT_FAILED
    done = f"task {task} submitted" if task_info is not None else "all files arrived"
    print(f"rfsync: done: {done} ({len(result.uploaded)} uploaded, {len(result.skipped)} unchanged)", file=out)
    return EXIT_OK
