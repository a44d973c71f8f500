"""CI type-checks the Maya plugin against maya-stubs, so a wrong flag or argument fails the build.

The exact command (run from the repository root): ``mypy --follow-imports=silent plugins/maya/scripts``
(``mypy plugins/maya/scripts`` also checks the rfsync_core modules the plugin imports).
"""

from __future__ import annotations

import py_compile
import subprocess
import sys
from pathlib import Path

import pytest
from testpaths import REPO as REPO_ROOT

REPO = REPO_ROOT

pytest.importorskip("mypy")


def mypy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary", *args], capture_output=True,
                          text=True, cwd=str(REPO), timeout=600)


def test_plugin_type_checks_against_maya_stubs() -> None:
    proc = mypy("--follow-imports=silent", "plugins/maya/scripts")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_stubs_catch_a_wrong_flag(tmp_path: Path) -> None:
    """Proof that maya-stubs is in use: an invented flag is an error (a fake or a missing stub would pass)."""
    bad = tmp_path / "bad_flag.py"
    bad.write_text("from maya import cmds\ncmds.file(query=True, sceneNameTypo=True)\n", encoding="utf-8")
    proc = mypy("--config-file", str(REPO / "pyproject.toml"), str(bad))
    assert proc.returncode != 0
    assert "sceneNameTypo" in proc.stdout


def test_in_host_smoke_script_compiles() -> None:
    py_compile.compile(str(REPO / "tests" / "host" / "maya_smoke.py"), doraise=True)
