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
import threading
import time
from typing import Any, Callable, List, Optional, TextIO, Tuple

from ..errors import RfsyncError
from ..transfer.progress import CancelToken, Progress

EXIT_CANCELLED = 130


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
    up.add_argument("--no-db", action="store_true", help="ignore and do not write the upload records")
    up.add_argument("--recheck", action="store_true",
                    help="ask the server about every file instead of trusting the records")
    up.add_argument("--quiet", "-q", action="store_true", help="no progress bar")
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


class _Bar:
    """A tqdm bar fed from progress snapshots (which arrive on worker threads)."""

    def __init__(self, enabled: bool, stream: TextIO) -> None:
        self._bar: Any = None
        self._lock = threading.Lock()
        if enabled:
            from tqdm import tqdm

            self._bar = tqdm(total=0, unit="B", unit_scale=True, unit_divisor=1024, file=stream,
                             dynamic_ncols=True, leave=True, desc="upload")

    def __call__(self, snap: Progress) -> None:
        bar = self._bar
        if bar is None:
            return
        with self._lock:
            if bar.total != snap.bytes_total:
                bar.total = snap.bytes_total
            delta = snap.bytes_done - bar.n
            failed = f", {snap.files_failed} failed" if snap.files_failed else ""
            bar.set_postfix_str(f"{snap.files_done}/{snap.files_total} files{failed}", refresh=False)
            if delta:
                bar.update(delta)
            else:
                bar.refresh()

    def close(self) -> None:
        if self._bar is not None:
            with self._lock:
                self._bar.close()


def _run_cancellable(work: Callable[[], Any], token: CancelToken) -> Tuple[Any, Optional[BaseException], bool]:
    """Run ``work`` in a thread; Ctrl-C cancels ``token`` and waits for it. Returns (value, error, interrupted)."""
    box: List[Any] = []
    err: List[BaseException] = []

    finished = threading.Event()

    def target() -> None:
        try:
            box.append(work())
        except BaseException as exc:  # handed to the main thread, never lost
            err.append(exc)
        finally:
            finished.set()

    # An Event, not Thread.join: a Ctrl-C inside join() can leave the thread looking finished.
    thread = threading.Thread(target=target, name="rfsync-cli-upload", daemon=True)
    thread.start()
    interrupted = False
    while not finished.is_set():
        try:
            finished.wait(0.2)
        except KeyboardInterrupt:
            interrupted = True
            print("\nrfsync: cancelling (waiting for transfers to stop)…", file=sys.stderr)
            token.cancel()
    return (box[0] if box else None), (err[0] if err else None), interrupted


def _fmt_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"  # pragma: no cover


def print_summary(result: Any, out: Optional[TextIO] = None) -> None:
    """One summary line, then each failure on its own line."""
    out = out if out is not None else sys.stdout
    secs = max(result.duration, 1e-9)
    rate = result.bytes_sent / secs / (1024 * 1024)
    state = " (cancelled)" if result.cancelled else ""
    print(f"uploaded {len(result.uploaded)}, skipped {len(result.skipped)} unchanged, failed {len(result.failed)}"
          f"{state}; {_fmt_bytes(result.bytes_sent)} in {result.duration:.1f}s ({rate:.1f} MiB/s)", file=out)
    for _local, reason in result.failed:
        print(f"  FAILED {reason}", file=out)


def _client(platform: Optional[str]) -> Any:
    from ..client import Client

    return Client(platform)


def run_upload(args: argparse.Namespace) -> int:
    from ..manifest import load_manifest
    from ..paths import input_key
    from ..transfer.upload import Uploader

    if args.threads < 1:
        raise RfsyncError(f"--threads must be at least 1, got {args.threads}")
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
    bar = _Bar(enabled=not args.quiet and sys.stderr.isatty(), stream=sys.stderr)
    uploader = Uploader(client, threads=args.threads, max_speed=args.max_speed or None, use_records=not args.no_db,
                        recheck=args.recheck, progress=bar, cancel=token)
    start = time.monotonic()
    try:
        result, error, interrupted = _run_cancellable(lambda: uploader.upload_files(items), token)
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
    from ..api_upload import RfsyncUpload

    client = _client(args.platform)
    token = CancelToken()
    bar = _Bar(enabled=not args.quiet and sys.stderr.isatty(), stream=sys.stderr)
    api = RfsyncUpload(client, progress=bar, cancel=token)
    try:
        _ok, error, interrupted = _run_cancellable(
            lambda: api.upload_config(args.task_id, args.files, max_speed=args.max_speed or 0), token)
    finally:
        bar.close()
        client.close()
    if interrupted:
        print("rfsync: cancelled", file=sys.stderr)
        return EXIT_CANCELLED
    if error is not None:
        raise error
    print(f"uploaded {len(args.files)} config file(s) to tasks/{args.task_id}/cfg/")
    return 0
