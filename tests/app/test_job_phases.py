"""The phases a job reports (``app.jobs``): checking, uploading, submitting — or downloading — in order.

Real jobs on the built-in folder platform; the phase callback is what the panel's worker connects.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, List

import pytest

from rfsync_core.app import CollectResult, TaskInfo, TransferSettings, write_task_configs, write_upload_manifest
from rfsync_core.app.jobs import (
    CHECKING,
    DOWNLOADING,
    SUBMITTING,
    UPLOADING,
    download_job,
    run_job,
    submit_job,
    upload_manifest_job,
)
from rfsync_core.errors import TaskNotFoundError


@pytest.fixture
def farm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RFSYNC_LOCAL_ROOT", str(tmp_path / "farm"))
    return tmp_path / "farm"


def files(folder: Path, count: int) -> List[str]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for i in range(count):
        (folder / f"t{i}.exr").write_bytes(os.urandom(3000))
        out.append(str(folder / f"t{i}.exr"))
    return out


def test_submit_reports_checking_uploading_submitting(tmp_path: Path, farm: Path) -> None:
    scene = tmp_path / "shot" / "sh010.ma"
    scene.parent.mkdir(parents=True)
    scene.write_text("//scene\n")
    info = TaskInfo("601", str(scene), host="maya", host_version="2024", renderer="arnold", frames="1-2")
    configs = write_task_configs(str(tmp_path / "cfg"), info,
                                 CollectResult(found=[str(scene), *files(tmp_path / "shot" / "tex", 5)]))
    phases: List[str] = []
    result = run_job(submit_job("601", configs, TransferSettings()), lambda _p: None, None, phases.append)
    assert result.ok
    assert phases == [CHECKING, UPLOADING, SUBMITTING]


def test_a_failed_asset_never_reaches_submitting(tmp_path: Path, farm: Path) -> None:
    scene = tmp_path / "shot" / "sh010.ma"
    scene.parent.mkdir(parents=True)
    scene.write_text("//scene\n")
    tex = files(tmp_path / "shot" / "tex", 2)
    info = TaskInfo("602", str(scene), host="maya", host_version="2024", renderer="arnold", frames="1")
    configs = write_task_configs(str(tmp_path / "cfg"), info, CollectResult(found=[str(scene), *tex]))
    os.unlink(tex[0])
    phases: List[str] = []
    result = run_job(submit_job("602", configs, TransferSettings()), lambda _p: None, None, phases.append)
    assert not result.ok and phases == [CHECKING, UPLOADING]


def test_upload_and_download_phases_and_a_plain_job(tmp_path: Path, farm: Path) -> None:
    manifest = write_upload_manifest(str(tmp_path / "work" / "upload.json"), None, files(tmp_path / "a", 3))
    phases: List[str] = []
    run_job(upload_manifest_job(manifest, TransferSettings()), lambda _p: None, None, phases.append)
    assert phases == [CHECKING, UPLOADING]
    phases.clear()
    with pytest.raises(TaskNotFoundError):
        run_job(download_job(["999"], str(tmp_path / "dl"), TransferSettings()), lambda _p: None, None, phases.append)
    assert phases[:1] == [CHECKING] and DOWNLOADING not in phases  # an unknown task: nothing to download

    def plain(progress: Any, cancel: Any) -> str:  # a job that reports no phase still runs
        return "ran"

    assert run_job(plain, lambda _p: None, None, phases.append) == "ran"
