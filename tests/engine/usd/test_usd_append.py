"""``rfsync append FOLDER``: a USD stage found while walking a folder brings its closure too (real usd-core)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from rfsync_core.cli.main import main
from rfsync_core.manifest.append import append_files

pytestmark = pytest.mark.skipif(importlib.util.find_spec("pxr") is None,
                                reason="pxr not importable: install rfsync[usd] (usd-core) to run the USD tests")

SHOT = """#usda 1.0
(
    subLayers = [@../layers/anim.usda@]
)
def "Chair" (references = @../assets/chair.usda@) {}
def "Tex" {
    asset tex = @../assets/tex/wood.exr@
    asset gone = @../assets/tex/nope.exr@
}
"""


def project(root: Path) -> Path:
    """``root/shots/`` holds the stage and a plate; every layer and asset it needs lives outside that folder."""
    for folder in ("shots", "layers", "assets/tex"):
        (root / folder).mkdir(parents=True)
    (root / "shots" / "sh010.usda").write_text(SHOT)
    (root / "shots" / "plate.exr").write_text("p")
    (root / "layers" / "anim.usda").write_text("#usda 1.0\n")
    (root / "assets" / "chair.usda").write_text("#usda 1.0\n")
    (root / "assets" / "tex" / "wood.exr").write_text("w")
    return root / "shots"


def listed(upload: Path, root: Path) -> list:
    return sorted(Path(e["local"]).relative_to(root).as_posix() for e in json.loads(upload.read_text())["asset"])


def test_a_usd_file_inside_a_walked_folder_is_followed(tmp_path: Path) -> None:
    shots = project(tmp_path / "proj")
    upload = tmp_path / "upload.json"
    result = append_files([shots], upload)
    assert listed(upload, tmp_path / "proj") == ["assets/chair.usda", "assets/tex/wood.exr", "layers/anim.usda",
                                                 "shots/plate.exr", "shots/sh010.usda"]
    assert result.missing == [str(tmp_path / "proj" / "assets" / "tex" / "nope.exr")]
    assert json.loads(upload.read_text())["missing"] == result.missing


def test_no_follow_keeps_the_folders_files_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shots = project(tmp_path / "proj")
    upload = tmp_path / "upload.json"
    assert main(["append", str(upload), str(shots), "--no-follow"]) == 0
    assert "added 2 entries" in capsys.readouterr().out
    assert listed(upload, tmp_path / "proj") == ["shots/plate.exr", "shots/sh010.usda"]
    assert "missing" not in json.loads(upload.read_text())
    assert main(["append", str(upload), str(shots)]) == 0  # following now adds what the stage needs
    assert "added 3 entries" in capsys.readouterr().out
