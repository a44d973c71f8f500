"""``rfsync demo`` (the main job, end to end, no server needed) and ``rfsync farm-emulate``.

The demo runs on the built-in ``local`` folder platform by default: it makes a
small scene with a few textures under ``~/renderfarm_sdk/demo``, writes its
task configs exactly as a host plugin does (``app.tasks.write_task_configs``),
uploads the assets, submits the task (configs, ``task.json`` last), lets the
farm emulator render a few frames in a background thread, and auto-downloads
every frame as soon as it is done. ``farm-emulate`` plays the farm's side for a
task submitted by other means (docs/farm-protocol.md).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any, List

from .._files import write_atomic
from ..app.console import EXIT_CANCELLED, run_cancellable
from ..errors import RfsyncError
from .bars import ProgressBars
from .cmd_download import print_summary

TEXTURES = {"tex/wood_diffuse.png": 48_000, "tex/wood_rough.png": 32_000, "tex/sky.hdr": 96_000}


def register(subparsers: Any) -> None:
    d = subparsers.add_parser("demo", help="upload a demo scene, render it on an emulated farm, download frames",
                              description="The whole job on the local folder platform (no server, no account): "
                                          "upload -> emulated render -> auto-download.")
    d.add_argument("--frames", type=int, default=5, help="frames to render (default 5)")
    d.add_argument("--platform", default="local", metavar="P", help="platform (default: local)")
    d.add_argument("--frame-time", type=float, default=0.6, metavar="S", help="seconds per frame (default 0.6)")
    d.add_argument("--local-path", metavar="DIR", help="where frames land (default ~/renderfarm_sdk)")
    d.add_argument("--quiet", action="store_true", help="no progress bars")
    d.set_defaults(func=cmd_demo)

    f = subparsers.add_parser("farm-emulate", help="play the farm for submitted tasks (tests and demos)",
                              description="Render submitted tasks the way a farm would (docs/farm-protocol.md): "
                                          "writes small fake frames and status.json over time.")
    f.add_argument("task_ids", nargs="+", metavar="TASK_ID")
    f.add_argument("--platform", "-p", metavar="P", help="platform (default $RFSYNC_PLATFORM or 'local')")
    f.add_argument("--frame-time", type=float, default=1.0, metavar="S", help="seconds per frame (default 1)")
    f.add_argument("--fail-frame", action="append", default=[], metavar="F", help="fail this frame (repeatable)")
    f.add_argument("--fail-task-after", type=int, metavar="N", help="fail the task after N frames")
    f.add_argument("--stop-after", type=int, metavar="N", help="stop the task after N frames")
    f.add_argument("--size", type=int, default=64 * 1024, metavar="BYTES", help="size of each output file")
    f.add_argument("--wait", type=float, default=60.0, metavar="S", help="how long to wait for task.json")
    f.set_defaults(func=cmd_farm_emulate)


def _say(text: str) -> None:
    print(text, flush=True)


def make_demo_scene(folder: Path, frames: int) -> List[Path]:
    """A tiny 'scene' and a few textures; returns the files (scene first)."""
    scene = folder / "scene" / "sh010.ma"
    scene.parent.mkdir(parents=True, exist_ok=True)
    files = [scene]
    lines = [f'//Maya ASCII demo scene made by rfsync\nplaybackOptions -min 1 -max {frames};']
    for rel, size in TEXTURES.items():
        path = folder / "scene" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.stat().st_size != size:
            write_atomic(str(path), os.urandom(size))
        files.append(path)
        lines.append(f'setAttr "file_{path.stem}.fileTextureName" -type "string" "{path.as_posix()}";')
    write_atomic(str(scene), "\n".join(lines) + "\n")
    return files


def cmd_demo(args: argparse.Namespace) -> int:
    from ..app.tasks import TaskInfo, write_task_configs
    from ..client import Client
    from ..collect import CollectResult
    from ..config import default_download_root
    from ..farm.ids import new_task_id
    from ..farm.layout import CONFIG_NAMES, INPUT_PREFIX, UPLOAD_CONFIG, submit_batches
    from ..seed.upload import upload_config
    from ..testing.farm_emulator import FarmEmulator, writer_for
    from ..transfer.download import Downloader
    from ..transfer.upload import Uploader

    if not 1 <= args.frames <= 1000:
        raise RfsyncError(f"--frames must be between 1 and 1000, not {args.frames}")
    task_id = new_task_id()
    work = default_download_root() / "demo" / task_id
    bars = ProgressBars(enabled=not args.quiet, label="upload")
    with Client(args.platform) as client:
        _say(f"rfsync demo on platform {client.platform.name!r} ({client.platform.location}), task {task_id}")
        files = make_demo_scene(work, args.frames)
        info = TaskInfo(task_id, str(files[0]), host="maya", host_version="2024", renderer="arnold",
                        frames=f"1-{args.frames}", layers=["beauty"], cameras=["shotCam"])
        configs = write_task_configs(str(work), info, CollectResult(found=[str(p) for p in files]))
        upload_json = Path(configs[UPLOAD_CONFIG])
        _say(f"[1/4] scene and {len(files) - 1} textures in {work / 'scene'}; upload list {upload_json}")

        uploaded = Uploader(client, progress=bars.progress).upload_manifest(upload_json)
        bars.close()
        uploaded.raise_for_failures()
        _say(f"[2/4] uploaded {len(uploaded.uploaded)} files ({len(uploaded.skipped)} unchanged) to {INPUT_PREFIX}")

        for batch in submit_batches(configs[name] for name in CONFIG_NAMES):  # task.json last
            upload_config(task_id, batch, client=client)
        _say(f"[3/4] submitted task {task_id}: {args.frames} frames; the emulated farm starts rendering")

        emulator = FarmEmulator(writer_for(client.platform), task_id, frame_time=args.frame_time,
                                finish_time=min(args.frame_time, 0.5), output_size=256 * 1024).start()
        bars = ProgressBars(enabled=not args.quiet, label="download")
        dl = Downloader(client, progress=bars.progress, on_status=bars.status)
        root = Downloader.local_root(args.local_path)
        try:
            result, error, interrupted = run_cancellable(
                lambda: dl.auto_download([task_id], root, sleep_time=0.25), dl.cancel, name="rfsync-download")
        finally:
            bars.close()
            emulator.stop()
            emulator.join(10)
        if error is not None:
            raise error
        if interrupted or result is None:
            return EXIT_CANCELLED
    folder = Path(root) / result.tasks[task_id].folder_name if task_id in result.tasks else Path(root)
    _say(f"[4/4] frames downloaded as they finished -> {folder}")
    print_summary(result, root)
    return 0 if result.ok else 1


def cmd_farm_emulate(args: argparse.Namespace) -> int:
    from ..client import Client
    from ..testing.farm_emulator import FarmEmulator, writer_for

    with Client(args.platform) as client:
        emulators = [
            FarmEmulator(writer_for(client.platform), tid, frame_time=args.frame_time,
                         fail_frames=args.fail_frame, fail_task_after=args.fail_task_after,
                         stop_after=args.stop_after, output_size=args.size, pickup_timeout=args.wait,
                         on_event=_say).start()
            for tid in args.task_ids
        ]
        try:
            for emu in emulators:
                emu.join()
        except KeyboardInterrupt:
            for emu in emulators:
                emu.stop()
            for emu in emulators:
                emu.join(10)
            raise
    return 0


