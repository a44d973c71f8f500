"""``rfsync download`` and ``rfsync auto-download``: bring rendered frames back, with live progress.

Exit code 0 only when every expected output arrived (no failed file, no failed
or unrendered frame); 1 otherwise, with every failure listed; 130 on Ctrl-C,
after the transfer was cancelled cleanly (the download runs in a worker thread
so the main thread can cancel it and wait for it to stop).
"""

from __future__ import annotations

import argparse
import sys
import threading
from typing import TYPE_CHECKING, Any, Callable, Dict, List

from ..errors import RfsyncError
from ..transfer.progress import Progress

if TYPE_CHECKING:  # pragma: no cover - imported where used: every rfsync command builds this parser
    from ..farm import TaskStatus
    from ..transfer.download import Downloader, DownloadResult

ON_EXISTS_CHOICES = ("replace", "skip", "keep-both")
"""``transfer.download.ON_EXISTS``, spelled out so building the parser does not import the downloader
(checked against it when the command runs)."""


class ProgressBars:
    """tqdm bars: one for bytes (with files done/total and rate), one per task for frames done/total."""

    def __init__(self, enabled: bool = True, label: str = "download") -> None:
        from tqdm import tqdm

        self._tqdm = tqdm
        self.enabled = enabled and sys.stderr.isatty()  # no bars in logs and pipes: the summary says it all
        self.label = label
        self._lock = threading.Lock()
        self._bytes: Any = None
        self._tasks: Dict[str, Any] = {}

    def _bytes_bar(self) -> Any:
        if self._bytes is None:
            self._bytes = self._tqdm(total=0, unit="B", unit_scale=True, unit_divisor=1024, desc=self.label,
                                     position=0, leave=True, disable=not self.enabled, file=sys.stderr)
        return self._bytes

    def progress(self, snap: Progress) -> None:
        with self._lock:
            bar = self._bytes_bar()
            bar.total = max(snap.bytes_total, snap.bytes_done)
            bar.n = snap.bytes_done
            bar.set_postfix_str(f"{snap.files_done}/{snap.files_total} files"
                                + (f", {snap.files_failed} failed" if snap.files_failed else ""), refresh=False)
            bar.refresh()

    def status(self, st: TaskStatus) -> None:
        with self._lock:
            self._bytes_bar()
            bar = self._tasks.get(st.task_id)
            if bar is None:
                bar = self._tqdm(total=len(st.frames), unit="frame", desc=f"task {st.task_id}",
                                 position=len(self._tasks) + 1, leave=True, disable=not self.enabled,
                                 file=sys.stderr)
                self._tasks[st.task_id] = bar
            bar.total = len(st.frames)
            bar.n = st.frames_done
            state = "waiting for the farm" if st.submitted_only else st.state
            bar.set_postfix_str(state + (f", {st.frames_failed} failed" if st.frames_failed else ""),
                                refresh=False)
            bar.refresh()

    def close(self) -> None:
        with self._lock:
            for bar in [self._bytes, *self._tasks.values()]:
                if bar is not None:
                    bar.close()


def print_summary(result: DownloadResult, local_root: str, out: Any = None) -> None:
    out = out or sys.stdout
    for st in result.tasks.values():
        print(st.summary(), file=out)
    print(f"{result.summary()} -> {local_root}", file=out)
    for what, why in result.failed[:50]:
        print(f"  FAILED {what}: {why}", file=out)
    if len(result.failed) > 50:
        print(f"  ... and {len(result.failed) - 50} more failures", file=out)


def run_interruptible(work: Callable[[], DownloadResult], cancel: Callable[[], None]) -> DownloadResult:
    """Run ``work`` in a thread; Ctrl-C cancels it, waits for it to stop, then re-raises KeyboardInterrupt."""
    box: List[Any] = []

    def target() -> None:
        try:
            box.append(work())
        except BaseException as err:  # handed to the main thread
            box.append(err)

    thread = threading.Thread(target=target, name="rfsync-download", daemon=True)
    thread.start()
    try:
        while thread.is_alive():
            thread.join(0.2)
    except KeyboardInterrupt:
        cancel()
        thread.join(10)
        raise
    value = box[0]
    if isinstance(value, BaseException):
        raise value
    return value  # type: ignore[return-value]


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--local-path", metavar="DIR", help="where files land (default ~/renderfarm_sdk)")
    p.add_argument("--flat", action="store_true",
                   help="put the task's outputs straight into DIR (download_filename_format=\"false\")")
    p.add_argument("--platform", "-p", metavar="P", help="platform name (default $RFSYNC_PLATFORM or 'local')")
    p.add_argument("--max-speed", type=float, metavar="KBPS", help="bandwidth cap in KB/s for all threads")
    p.add_argument("--threads", type=int, default=8, help="parallel downloads (default 8)")
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
    a.add_argument("task_ids", nargs="+", metavar="TASK_ID")
    a.add_argument("--sleep", type=float, default=10.0, metavar="S", help="seconds between polls (default 10)")
    a.add_argument("--after-complete", action="store_true",
                   help="wait until each task has ended, then download it")
    _add_common(a)
    a.set_defaults(func=cmd_auto_download)


def _run(args: argparse.Namespace, work: Callable[[Downloader, str], DownloadResult]) -> int:
    from ..client import Client
    from ..transfer.download import ON_EXISTS, Downloader

    if args.on_exists not in ON_EXISTS:
        raise RfsyncError(f"--on-exists {args.on_exists!r} is not one of {', '.join(ON_EXISTS)}")
    bars = ProgressBars(enabled=not args.quiet)
    with Client(args.platform) as client:
        dl = Downloader(client, threads=args.threads, max_speed=args.max_speed, progress=bars.progress,
                        on_status=bars.status, on_exists=args.on_exists)
        root = Downloader.local_root(args.local_path)
        try:
            result = run_interruptible(lambda: work(dl, root), dl.cancel)
        finally:
            bars.close()
    print_summary(result, root)
    return 0 if result.ok else 1


def cmd_download(args: argparse.Namespace) -> int:
    return _run(args, lambda dl, root: dl.download(args.task_ids or None, root,
                                                   server_paths=args.server_path or None, flat=args.flat))


def cmd_auto_download(args: argparse.Namespace) -> int:
    return _run(args, lambda dl, root: dl.auto_download(args.task_ids, root, flat=args.flat,
                                                        sleep_time=args.sleep,
                                                        after_complete=args.after_complete))

