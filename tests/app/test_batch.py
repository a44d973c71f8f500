"""The common end of the hosts' batch modes, on a folder platform with real files."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rfsync_core.app import CollectResult, TransferSettings
from rfsync_core.app.batch import EXIT_FAILED, EXIT_MISSING, EXIT_OK, send_from_batch, settings_with
from rfsync_core.errors import RfsyncError


def _folder_platform(tmp_path: Path) -> str:
    import os

    cfg = Path(os.environ["RFSYNC_CONFIG_DIR"])
    cfg.mkdir(parents=True, exist_ok=True)
    (cfg / "platforms.json").write_text(json.dumps({"farm": {"engine": "folder", "root": str(tmp_path / "farm")}}),
                                        encoding="utf-8")
    return "farm"


def test_settings_with_puts_the_command_line_on_top() -> None:
    base = TransferSettings(platform="studio", max_speed=100.0, threads=4)
    assert settings_with(base) == base
    assert settings_with(base, "farm", 0.0, 2) == TransferSettings(platform="farm", max_speed=0.0, threads=2)


def test_upload_then_exit_codes(tmp_path: Path) -> None:
    platform = _folder_platform(tmp_path)
    scene = tmp_path / "shot" / "sh010.ma"
    scene.parent.mkdir()
    scene.write_text("scene", encoding="utf-8")
    tex = tmp_path / "shot" / "wood.exr"
    tex.write_bytes(b"x" * 1000)
    out, err = io.StringIO(), io.StringIO()
    found = CollectResult(found=[str(scene), str(tex)], missing=[], warnings=["one warning"])
    code = send_from_batch(str(scene), lambda: found, lambda: TransferSettings(platform=platform), out=out, err=err)
    assert code == EXIT_OK, err.getvalue()
    assert "2 file(s) found, 0 missing" in out.getvalue() and "all files arrived" in out.getvalue()
    assert "one warning" in err.getvalue()
    assert len([p for p in (tmp_path / "farm").rglob("wood.exr")]) == 1

    missing = CollectResult(found=[str(scene)], missing=[str(tmp_path / "gone.exr")], warnings=[])
    err = io.StringIO()
    code = send_from_batch(str(scene), lambda: missing, lambda: TransferSettings(platform=platform),
                           out=io.StringIO(), err=err)
    assert code == EXIT_MISSING and "gone.exr" in err.getvalue() and "--allow-missing" in err.getvalue()

    def broken() -> CollectResult:
        raise RfsyncError("cannot read the scene graph")

    err = io.StringIO()
    assert send_from_batch(str(scene), broken, TransferSettings, out=io.StringIO(), err=err) == EXIT_FAILED
    assert err.getvalue().strip() == "rfsync: error: cannot read the scene graph"  # one line, no traceback
