"""The Katana plugin and the Katana fake, type-checked against ``types-katana`` (unofficial stubs of Katana
5.0's Python API, MIT, on PyPI), as the Maya and Houdini plugins are against ``maya-stubs``/``types-houdini``.

The exact command (from the repository root):
``mypy --follow-imports=silent plugins/katana/resources/Python plugins/katana/resources/rfsync_batch.py
plugins/katana/resources/Startup/init.py``. The stubs describe Katana 5.0; the API the plugin uses
(``NodegraphAPI``, ``FarmAPI``, ``KatanaFile``, ``Callbacks``, ``UI4``) is the same in 6.5–8.0 as far as
hosts.md's sources go.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest
from testpaths import REPO

pytest.importorskip("mypy")

PLUGIN = ["plugins/katana/resources/Python", "plugins/katana/resources/rfsync_batch.py",
          "plugins/katana/resources/Startup/init.py"]
FAKE_ONLY = {"to_json", "add", "setValue", "getChildren"}
"""Fake hooks for building test scenes (``add``, ``to_json``), a setter the plugin never calls, and
``Node.getChildren``, which Katana has on ``GroupNode`` only (the fake's one Node class is also its group;
``Parameter.getChildren`` is checked)."""


def stubs_installed() -> bool:
    return any(os.path.isfile(os.path.join(p, "NodegraphAPI-stubs", "__init__.pyi")) for p in sys.path if p)


pytestmark = pytest.mark.skipif(not stubs_installed(), reason="types-katana is not installed")


def mypy(*args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))  # mypy finds the stubs there
    return subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary", *args], capture_output=True,
                          text=True, cwd=str(REPO), timeout=600, env=env)


def test_plugin_type_checks_against_katana_stubs() -> None:
    proc = mypy("--follow-imports=silent", *PLUGIN)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_stubs_catch_an_invented_katana_call(tmp_path: Path) -> None:
    """Proof that the stubs are in use: an invented function and a missing argument are errors."""
    bad = tmp_path / "bad_katana.py"
    bad.write_text("import NodegraphAPI\nNodegraphAPI.GetAllNodez()\nNodegraphAPI.GetAllNodesByType()\n",
                   encoding="utf-8")
    proc = mypy("--config-file", str(REPO / "pyproject.toml"), str(bad))
    assert proc.returncode != 0
    assert "GetAllNodez" in proc.stdout and "nodeType" in proc.stdout


def _fake_calls() -> List[str]:
    """One line per public function / method of the fake that Katana's stubs must also have."""
    sys.path.insert(0, str(REPO / "tests" / "fakes"))
    try:
        import NodegraphAPI as fake_graph
        from Katana import FarmAPI, KatanaFile
        from Katana._state import Node, Parameter
    finally:
        sys.path.remove(str(REPO / "tests" / "fakes"))
    lines = []
    for alias, module in (("NodegraphAPI", fake_graph), ("FarmAPI", FarmAPI), ("KatanaFile", KatanaFile)):
        for name, value in vars(module).items():
            if inspect.isfunction(value) and value.__module__ == module.__name__ and not name.startswith("_"):
                lines.append(f"_ = {alias}.{name}")
    for cls, var in ((Node, "node"), (Parameter, "param")):
        lines += [f"_ = {var}.{name}" for name, value in vars(cls).items()
                  if inspect.isfunction(value) and not name.startswith("_")
                  and (name not in FAKE_ONLY or (cls is Parameter and name == "getChildren"))]
    return lines


def test_every_fake_function_exists_in_katana(tmp_path: Path) -> None:
    lines = _fake_calls()
    assert "_ = NodegraphAPI.GetAllNodes" in lines and "_ = param.getHintString" in lines
    check = tmp_path / "fake_api.py"
    check.write_text("from typing import Any\nimport NodegraphAPI\nfrom Katana import FarmAPI, KatanaFile\n"
                     "def f(node: NodegraphAPI.Node, param: NodegraphAPI.Parameter) -> None:\n    _: Any\n"
                     + "".join(f"    {line}\n" for line in lines), encoding="utf-8")
    proc = mypy("--config-file", str(REPO / "pyproject.toml"), str(check))
    assert proc.returncode == 0, proc.stdout + proc.stderr
