"""Traversal attempts in status.json and in listings are refused; nothing is written outside local_path."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from download_helpers import client, farm_platform, files_under, render  # noqa: F401

from rfsync_core.client import Client
from rfsync_core.errors import FarmError
from rfsync_core.testing.farm_emulator import writer_for
from rfsync_core.transfer.download import Downloader


def _status(task_id: str, outputs: list, prefix: str = "") -> bytes:
    prefix = prefix or f"output/{task_id}_sh/"
    return json.dumps({
        "task_id": task_id, "scene": "sh", "state": "done", "output_prefix": prefix, "updated": "now",
        "frames": [{"frame": str(i + 1), "state": "done", "outputs": [o]} for i, o in enumerate(outputs)],
    }).encode()


EVIL = [
    "output/701_sh/../../../evil1.txt",
    "/etc/evil2.txt",
    "C:/evil3.txt",
    "output/701_sh/C:/evil4.txt",  # fine nested, refused flat (drive letter at the start)
    "output/701_sh/..\\..\\evil5.txt",
    "../evil6.txt",
    "output/evil7.txt",  # outside the task's prefix
]


@pytest.mark.parametrize("flat", [False, True])
def test_traversal_in_status_is_refused(client: Client, tmp_path: Path, flat: bool) -> None:  # noqa: F811
    writer = writer_for(client.platform)
    writer.put("output/701_sh/good.exr", b"good")
    writer.put("output/evil7.txt", b"evil")
    writer.put("tasks/701/status.json", _status("701", ["output/701_sh/good.exr", *EVIL]))
    root = tmp_path / "deep" / "dl"
    result = Downloader(client).download(["701"], root, flat=flat)
    assert not result.ok
    assert result.downloaded == ["output/701_sh/good.exr"]
    failed = {k for k, _ in result.failed}
    expected = set(EVIL) - ({"output/701_sh/C:/evil4.txt"} if not flat else set())
    assert expected <= failed, result.failed
    # nothing outside the download root, and no 'evil' file anywhere except the allowed nested C: case
    outside = [p for p in files_under(tmp_path) if not p.startswith("deep/dl/") and not p.startswith("farm/")]
    assert outside == []
    inside = files_under(root)
    assert all("evil" not in p or p == "701_sh/C:/evil4.txt" for p in inside), inside


def test_traversal_in_output_prefix_is_refused(client: Client, tmp_path: Path) -> None:  # noqa: F811
    writer = writer_for(client.platform)
    writer.put("tasks/702/status.json", _status("702", ["output/../../../evil.txt"], prefix="output/../../../"))
    with pytest.raises(FarmError, match=r"task 702: status\.json: output_prefix"):
        Downloader(client).download(["702"], tmp_path / "dl", flat=True)
    assert [p for p in files_under(tmp_path) if "evil" in p] == []


def test_listing_with_a_drive_letter_folder_is_refused_flat(client: Client, tmp_path: Path) -> None:  # noqa: F811
    writer = writer_for(client.platform)
    writer.put("output/703_sh/ok.exr", b"ok")
    writer.put("output/703_sh/C:/evil.txt", b"evil")  # a real key on both engines
    result = Downloader(client).download(None, tmp_path / "dl", server_paths="703_sh", flat=True)
    assert result.downloaded == ["output/703_sh/ok.exr"]
    assert [k for k, _ in result.failed] == ["output/703_sh/C:/evil.txt"]
    assert "drive letter" in result.failed[0][1]


def test_symlink_under_local_root_pointing_outside_is_refused(client: Client, tmp_path: Path) -> None:  # noqa: F811
    render(client, "704", frames="1")
    root = tmp_path / "dl"
    outside = tmp_path / "outside"
    outside.mkdir()
    root.mkdir()
    os.symlink(outside, root / "704_sh010")
    result = Downloader(client).download(["704"], root)
    assert not result.ok and result.downloaded == []
    assert list(outside.iterdir()) == []
    assert all("resolves outside" in why for _, why in result.failed), result.failed
