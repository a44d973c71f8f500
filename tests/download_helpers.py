"""Helpers for the download tests: a farm platform of either engine, task submission, the emulator."""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any, Iterator, List

import pytest
from conftest import write_platforms
from storage_engines import ENGINES

from rfsync_core.client import Client
from rfsync_core.farm import config_key, task_config_document
from rfsync_core.testing.farm_emulator import FarmEmulator, writer_for


def s3_platform_with_bucket(server: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """Like conftest's ``s3_platform``, but the bucket is made through the S3 API (CreateBucket).

    ``rclone serve s3`` caches its root listing, so a bucket made with mkdir after the first
    request may stay invisible (NoSuchBucket) for minutes.
    """
    import boto3

    bucket = "d" + uuid.uuid4().hex[:12]
    s3 = boto3.client("s3", endpoint_url=server.endpoint, aws_access_key_id=server.access_key,
                      aws_secret_access_key=server.secret_key, region_name="us-east-1")
    s3.create_bucket(Bucket=bucket)
    s3.close()
    write_platforms(Path(os.environ["RFSYNC_CONFIG_DIR"]),
                    {"tests3": {"engine": "s3", "endpoint": server.endpoint, "bucket": bucket,
                                "prefix": "farm", "region": "us-east-1", "path_style": True}})
    monkeypatch.setenv("RFSYNC_ACCESS_KEY", server.access_key)
    monkeypatch.setenv("RFSYNC_SECRET_KEY", server.secret_key)
    return "tests3"


@pytest.fixture(params=ENGINES)
def farm_platform(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A platform name on every engine: the built-in 'local' folder platform, or an S3 test platform on each
    server of the run (rclone, moto, Ceph RGW: ``storage_engines.SERVERS``)."""
    if request.param != "folder":
        return s3_platform_with_bucket(request.getfixturevalue(f"{request.param}_server"), monkeypatch)
    monkeypatch.setenv("RFSYNC_LOCAL_ROOT", str(tmp_path / "farm"))
    return "local"


@pytest.fixture
def client(farm_platform: str) -> Iterator[Client]:
    c = Client(farm_platform)
    yield c
    c.close()


def submit(client: Client, task_id: str, frames: str = "1-3", layers: List[str] = ["masterLayer"],  # noqa: B006
           scene: str = "/D/proj/sh010.ma") -> None:
    """The client's side of a submission: task.json under tasks/<id>/cfg/, written with rfsync's engine."""
    doc = task_config_document(task_id, scene, host="maya", host_version="2024", renderer="arnold",
                               frames=frames, layers=layers)
    client.storage.put_bytes(config_key(task_id, "task.json"), json.dumps(doc).encode())


def emulator(client: Client, task_id: str, **kwargs: Any) -> FarmEmulator:
    """A farm emulator writing with an independent client (plain files, or boto3 on S3)."""
    kwargs.setdefault("frame_time", 0.05)
    kwargs.setdefault("finish_time", 0.0)
    return FarmEmulator(writer_for(client.platform), task_id, **kwargs)


def render(client: Client, task_id: str, frames: str = "1-3", **kwargs: Any) -> FarmEmulator:
    """Submit and render a task to the end, synchronously."""
    submit(client, task_id, frames=frames, layers=kwargs.pop("layers", ["masterLayer"]))
    emu = emulator(client, task_id, **kwargs)
    emu.run()
    return emu


def files_under(root: Path) -> List[str]:
    """Every file under ``root`` as a sorted list of '/'-separated relative paths."""
    out = []
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            out.append(os.path.relpath(os.path.join(dirpath, name), root).replace(os.sep, "/"))
    return sorted(out)
