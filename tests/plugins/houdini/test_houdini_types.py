"""CI type-checks the Houdini plugin against types-houdini (``hou`` stubs), so a wrong call fails the build.

The exact command (run from the repository root): ``mypy --follow-imports=silent plugins/houdini/python``.
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


def test_plugin_type_checks_against_hou_stubs() -> None:
    proc = mypy("--follow-imports=silent", "plugins/houdini/python")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_stubs_catch_an_invented_hou_function(tmp_path: Path) -> None:
    """Proof that the hou stubs are in use: an invented function and a wrong keyword are errors."""
    bad = tmp_path / "bad_hou.py"
    bad.write_text("import hou\nhou.fileReferencez()\nhou.hipFile.load('a.hip', suppress_prompt=True)\n",
                   encoding="utf-8")
    proc = mypy("--config-file", str(REPO / "pyproject.toml"), str(bad))
    assert proc.returncode != 0
    assert "fileReferencez" in proc.stdout and "suppress_prompt" in proc.stdout


def test_in_host_smoke_script_compiles() -> None:
    py_compile.compile(str(REPO / "tests" / "host" / "houdini_smoke.py"), doraise=True)
