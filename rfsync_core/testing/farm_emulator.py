"""A farm emulator: plays the farm's side of docs/farm-protocol.md, for tests and demos.

It is deliberately *not* part of the engine (no engine module imports it) and it
does not use rfsync's storage engines to write: on a folder platform it writes
plain files (rfsync's one atomic writer, ``_files.write_atomic``: a hidden
``.tmp`` name in the same folder, renamed into place, as §4 asks of a farm), on
an S3 platform an independent client (boto3, a test dependency imported only
when the S3 writer is built). So what rfsync reads was written by someone else,
as on a real farm.

The emulator picks up a task (waits for ``tasks/<id>/cfg/task.json``, which the
client uploads last), then for each frame: marks it ``rendering``, waits
``frame_time``, writes the frame's outputs (small generated files), and only
then marks it ``done`` (or ``failed``), replacing ``status.json`` atomically
each time. It can fail frames, fail the task, or stop it.
"""

from __future__ import annotations

import json
import os
import random
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Protocol, Set

from .._files import write_atomic
from ..config import Credentials, Platform, resolve_credentials
from ..errors import ConfigError, FarmError
from ..farm.configs import TaskConfig, parse_task_config
from ..farm.ids import check_task_id
from ..farm.layout import TASK_CONFIG, status_key, submitted_key
from ..farm.status import FrameStatus, TaskStatus, task_status_document


class FarmWriter(Protocol):
    """The farm's own access to its storage."""

    name: str

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` under ``key`` so readers see the old or the new content, never a mix."""
        ...

    def get(self, key: str) -> Optional[bytes]:
        """The object's bytes, or None when absent."""
        ...

    def close(self) -> None: ...


class FolderFarmWriter:
    """Writes into a folder platform with plain file operations: a hidden temp name in the same folder + rename."""

    def __init__(self, root: str) -> None:
        self.root = Path(os.path.expanduser(root))
        self.name = str(self.root)

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*key.split("/"))

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(str(path), data)

    def get(self, key: str) -> Optional[bytes]:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            return None

    def close(self) -> None:
        pass


class S3FarmWriter:
    """Writes into an S3 platform with boto3 (single PUTs are atomic on S3)."""

    def __init__(self, platform: Platform, credentials: Credentials) -> None:
        try:
            import boto3
            from botocore.config import Config
        except ImportError:
            raise ConfigError("the farm emulator needs boto3 for S3 platforms (pip install boto3)") from None
        self.bucket = platform.bucket
        self.prefix = platform.prefix.strip("/")
        self.name = f"s3://{platform.bucket}/{self.prefix}"
        self._client = boto3.client(
            "s3",
            endpoint_url=platform.endpoint,
            aws_access_key_id=credentials.access_key,
            aws_secret_access_key=credentials.secret_key,
            aws_session_token=credentials.session_token,
            region_name=platform.region or "us-east-1",
            config=Config(s3={"addressing_style": "path" if platform.path_style else "virtual"},
                          retries={"max_attempts": 5}),
        )

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes) -> None:
        self._client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def get(self, key: str) -> Optional[bytes]:
        try:
            resp = self._client.get_object(Bucket=self.bucket, Key=self._key(key))
        except self._client.exceptions.NoSuchKey:
            return None
        data: bytes = resp["Body"].read()
        return data

    def close(self) -> None:
        self._client.close()


def writer_for(platform: Platform, credentials: Optional[Credentials] = None) -> FarmWriter:
    """The farm-side writer for a platform (credentials resolved as rfsync does when not given)."""
    if platform.engine == "folder":
        return FolderFarmWriter(platform.root)
    if platform.engine == "s3":
        creds = credentials or resolve_credentials(platform)
        if creds is None:
            raise ConfigError(f"platform {platform.name!r} has no credentials for the farm emulator")
        return S3FarmWriter(platform, creds)
    raise ConfigError(f"the farm emulator cannot write to engine {platform.engine!r}")


def _now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def frame_output_bytes(task_id: str, frame: str, layer: str, size: int) -> bytes:
    """Deterministic fake image bytes, so tests can recompute what a frame should contain."""
    rng = random.Random(f"{task_id}/{layer}/{frame}")
    header = f"RFSYNC-EMULATED-FRAME task={task_id} layer={layer} frame={frame}\n".encode()
    return (header + rng.randbytes(max(0, size - len(header))))[:max(size, len(header))]


class FarmEmulator:
    """Renders one task on a platform, in the calling thread (:meth:`run`) or in the background (:meth:`start`).

    Timestamps (``time.time()``) for tests: ``marked_done[frame]`` is taken just *before* the
    status write that marks the frame done (nobody can see the frame done earlier);
    ``ending_at`` just before the final state is written, ``ended_at`` just after.
    """

    def __init__(
        self,
        writer: FarmWriter,
        task_id: str,
        *,
        frame_time: float = 0.5,
        finish_time: Optional[float] = None,
        fail_frames: Iterable[str] = (),
        fail_task_after: Optional[int] = None,
        stop_after: Optional[int] = None,
        output_size: int = 4096,
        extension: str = "exr",
        write_log: bool = True,
        pickup_timeout: float = 30.0,
        on_event: Optional[Callable[[str], None]] = None,
    ) -> None:
        self.writer = writer
        self.task_id = check_task_id(task_id)
        self.frame_time = frame_time
        self.finish_time = frame_time if finish_time is None else finish_time
        self.fail_frames: Set[str] = {str(f) for f in fail_frames}
        self.fail_task_after = fail_task_after
        self.stop_after = stop_after
        self.output_size = output_size
        self.extension = extension
        self.write_log = write_log
        self.pickup_timeout = pickup_timeout
        self.on_event = on_event
        self.config: Optional[TaskConfig] = None
        self.marked_done: Dict[str, float] = {}
        self.outputs: Dict[str, List[str]] = {}
        self.ending_at: Optional[float] = None
        self.ended_at: Optional[float] = None
        self.error: Optional[BaseException] = None
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._frames: List[Dict[str, Any]] = []

    # -- control ---------------------------------------------------------------
    def start(self) -> FarmEmulator:
        self._thread = threading.Thread(target=self._run_catching, name=f"farm-{self.task_id}", daemon=True)
        self._thread.start()
        return self

    def join(self, timeout: Optional[float] = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        """Stop the task (state ``stopped``) at the next frame boundary."""
        self._stop.set()

    def _run_catching(self) -> None:
        try:
            self.run()
        except BaseException as err:  # surfaced by join()
            self.error = err

    def _event(self, text: str) -> None:
        if self.on_event is not None:
            self.on_event(text)

    # -- the farm's work -------------------------------------------------------------
    def pick_up(self) -> TaskConfig:
        """Wait for ``task.json`` (submitted last by the client) and read it."""
        deadline = time.monotonic() + self.pickup_timeout
        while True:
            data = self.writer.get(submitted_key(self.task_id))
            if data is not None:
                self.config = parse_task_config(data, self.task_id)
                return self.config
            if time.monotonic() >= deadline or self._stop.wait(0.1):
                raise FarmError(f"task {self.task_id}: no {TASK_CONFIG} on {self.writer.name} "
                                f"after {self.pickup_timeout:.0f} s")

    def _write_status(self, state: str, message: str = "") -> None:
        assert self.config is not None
        status = TaskStatus(
            task_id=self.task_id,
            scene=self.config.scene_name,
            state=state,
            output_prefix=self.config.output_prefix,
            frames=tuple(FrameStatus(e["frame"], e["state"], tuple(e["outputs"]), e.get("message", ""))
                         for e in self._frames),
            updated=_now_iso(),
            message=message,
            extra={"farm": "rfsync farm emulator"},
        )
        data = json.dumps(task_status_document(status), indent=1).encode("utf-8")
        self.writer.put(status_key(self.task_id), data)

    def _layers(self) -> List[str]:
        assert self.config is not None
        return list(self.config.layers) or ["masterLayer"]

    def _render_frame(self, entry: Dict[str, Any]) -> None:
        assert self.config is not None
        frame = entry["frame"]
        entry["state"] = "rendering"
        self._write_status("rendering")
        if self._stop.wait(self.frame_time):
            return
        if frame in self.fail_frames:
            entry["state"] = "failed"
            entry["message"] = "emulated render failure"
            self._write_status("rendering")
            self._event(f"task {self.task_id}: frame {frame} failed")
            return
        outputs = []
        scene = self.config.scene_name
        number = int(frame)
        padded = f"{number:04d}" if number >= 0 else f"-{-number:04d}"
        for layer in self._layers():
            folder = "/".join(p for p in layer.split("/") if p)  # Houdini layers are ROP paths: /out/karma1
            key = f"{self.config.output_prefix}{folder}/{scene}.{padded}.{self.extension}"
            self.writer.put(key, frame_output_bytes(self.task_id, frame, layer, self.output_size))
            outputs.append(key)
        entry["outputs"] = outputs  # outputs are complete before the frame is marked done
        entry["state"] = "done"
        self.outputs[frame] = outputs
        self.marked_done[frame] = time.time()
        self._write_status("rendering")
        self._event(f"task {self.task_id}: frame {frame} done")

    def run(self) -> str:
        """Render the task; returns the final state."""
        config = self.pick_up()
        self._frames = [{"frame": f, "state": "waiting", "outputs": []} for f in config.frames]
        self._write_status("waiting")
        self._event(f"task {self.task_id}: picked up, {len(config.frames)} frames")
        final, message = "done", ""
        for i, entry in enumerate(self._frames):
            if self._stop.is_set() or (self.stop_after is not None and i >= self.stop_after):
                final, message = "stopped", "stopped by the user"
                break
            if self.fail_task_after is not None and i >= self.fail_task_after:
                final, message = "failed", "emulated task failure"
                break
            self._render_frame(entry)
        if final == "done" and any(e["state"] == "failed" for e in self._frames):
            final, message = "failed", "some frames failed"
        if self._stop.is_set() and final == "done":
            final, message = "stopped", "stopped by the user"
        for entry in self._frames:
            if entry["state"] == "rendering":
                entry["state"] = "waiting"
        self._stop.wait(self.finish_time)
        if self.write_log:
            assert self.config is not None
            log = "\n".join(f"frame {e['frame']}: {e['state']}" for e in self._frames) + "\n"
            self.writer.put(f"{self.config.output_prefix}render.log", log.encode())
        self.ending_at = time.time()
        self._write_status(final, message)
        self.ended_at = time.time()
        self._event(f"task {self.task_id}: {final}")
        return final
