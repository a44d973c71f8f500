"""Katana's preflight settings: the project's folder is the project, its in/out range the frames; the panel's
check and script mode both use them (fake Katana, real files)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Iterator

import pytest
from fakes import FAKES_DIR
from test_katana_batch import KATANA_RESOURCES, run_batch, without_missing


@pytest.fixture
def scene(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.syspath_prepend(str(KATANA_RESOURCES / "Python"))
    monkeypatch.syspath_prepend(str(FAKES_DIR))
    from Katana._state import STATE
    from Katana._testing import build_scene

    STATE.reset(ui=False)
    yield build_scene(tmp_path / "proj")
    STATE.reset(ui=False)


def project_range(scene: Path, start: float, end: float) -> Path:
    """Set the saved project's root ``inTime``/``outTime`` (what ``GetInTime()``/``GetOutTime()`` read)."""
    data = json.loads(scene.read_text())
    root = next(n for n in data["nodes"] if n["name"] == "rootNode")
    values = {"inTime": float(start), "outTime": float(end)}
    for param in root["params"]:
        param["value"] = values.get(param["name"], param.get("value"))
    scene.write_text(json.dumps(data))
    return scene


def test_project_root_and_render_frames(tmp_path: Path, scene: Path) -> None:
    from Katana._state import STATE
    from rfsync_katana.host import KatanaHost

    host = KatanaHost()
    assert host.project_root() == os.path.normpath(str(scene.parent))
    STATE.set_range(5, 12)
    assert host.render_frames() == "5-12"


def test_the_panels_preflight_settings_come_from_katana(tmp_path: Path, scene: Path) -> None:
    pytest.importorskip("Qt")
    from Katana._state import STATE
    from rfsync_katana.actions import ACTIONS
    from rfsync_katana.host import KatanaHost

    STATE.set_range(1, 4)
    settings = ACTIONS.preflight_settings(KatanaHost())
    assert settings.project_root is None  # the default platform names no roots: the farm's mapping is unknown
    assert list(settings.frames or ()) == [1, 2, 3, 4]


def test_script_mode_checks_the_projects_range(tmp_path: Path, scene: Path) -> None:
    project_range(without_missing(scene), 1, 4)  # tex/seq/fire has frames 1-3 only
    proc = run_batch(tmp_path, str(scene))
    assert proc.returncode == 4, proc.stderr
    assert "ERROR frames_missing" in proc.stdout and "fire.####.exr" in proc.stdout
    assert "nothing was sent" in proc.stderr and not (tmp_path / "farm" / "input").exists()
    project_range(scene, 1, 3)
    assert run_batch(tmp_path, str(scene)).returncode == 0
