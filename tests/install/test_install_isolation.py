"""Issue 11 point 4: an installed plugin never shadows the host's own libraries.

Each host is started the way it applies rfsync's install files — Maya's ``.mod`` lines and Houdini's package
JSON become PYTHONPATH *before* the host's Python starts — in a real Python subprocess. Real Python puts
PYTHONPATH entries ahead of site-packages (docs.python.org, "The initialization of the sys.path module search
path"), so whatever an install file puts there replaces the host's own copy for every tool in the host. The
subprocess's own site-packages plays the host's: its ``requests`` must stay the one imported after the plugin
loaded, while a library only rfsync's ``deps/pyX.Y`` holds must still import.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest
import requests
from testpaths import REPO

FAKES = REPO / "tests" / "fakes"
PY = "{}.{}".format(*sys.version_info[:2])
MAYA_FOR_PY = {"3.9": "2023", "3.10": "2024", "3.11": "2025"}


def install_module() -> object:
    spec = importlib.util.spec_from_file_location("rfsync_install_isolation", REPO / "install.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def plant_deps(deps: Path) -> None:
    """What pip --target would leave: a newer ``requests`` (with its metadata) and a library the host lacks."""
    (deps / "requests").mkdir(parents=True)
    (deps / "requests" / "__init__.py").write_text("__version__ = '99.0'\n", encoding="utf-8")
    (deps / "requests-99.0.dist-info").mkdir()
    (deps / "requests-99.0.dist-info" / "METADATA").write_text("Name: requests\nVersion: 99.0\n", encoding="utf-8")
    (deps / "rfsync_only_dep").mkdir()
    (deps / "rfsync_only_dep" / "__init__.py").write_text("", encoding="utf-8")


def maya_pythonpath(modules: Path, monkeypatch: pytest.MonkeyPatch) -> List[str]:
    """The folders Maya puts on PYTHONPATH for this module file (the fake's reading of .mod files)."""
    sys.path.insert(0, str(FAKES))
    try:
        from maya import standalone
    finally:
        sys.path.remove(str(FAKES))
    monkeypatch.setenv("MAYA_MODULE_PATH", str(modules))
    return standalone._module_python_paths(MAYA_FOR_PY[PY])


def houdini_pythonpath(package_file: Path) -> List[str]:
    """PYTHONPATH as Houdini builds it from a package's ``env`` (prepend / append)."""
    out: List[str] = []
    for entry in json.loads(package_file.read_text(encoding="utf-8"))["env"]:
        spec = entry["PYTHONPATH"]
        out = [spec["value"], *out] if spec["method"] == "prepend" else [*out, spec["value"]]
    return out


def run_host_python(pythonpath: List[str], plugin: str, cwd: Path) -> List[str]:
    code = (f"import {plugin}, requests, rfsync_only_dep\n"
            "print(requests.__file__)\nprint(rfsync_only_dep.__file__)\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([*pythonpath, str(FAKES)]))
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60,
                          cwd=str(cwd))
    assert proc.returncode == 0, proc.stderr
    assert "rfsync needs" not in proc.stderr  # the host's copies are new enough: nothing to report
    return proc.stdout.splitlines()


@pytest.mark.skipif(PY not in MAYA_FOR_PY, reason=f"no Maya ships Python {PY}")
def test_maya_module_keeps_mayas_own_libraries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inst = install_module()
    modules = tmp_path / "maya" / "modules"
    installer = inst.MayaInstaller(modules, [MAYA_FOR_PY[PY]], deps=False)  # type: ignore[attr-defined]
    installer.plan_install().execute(False, lambda _line: None)
    plant_deps(modules / "rfsync" / "deps" / f"py{PY}")
    inst.MayaInstaller(modules, [MAYA_FOR_PY[PY]], deps=False).plan_install().execute(  # type: ignore[attr-defined]
        False, lambda _line: None)  # a reinstall keeps the deps: the .mod now describes a module with deps
    assert (modules / "rfsync" / "deps" / f"py{PY}" / "rfsync_only_dep").is_dir()
    pythonpath = maya_pythonpath(modules, monkeypatch)
    lines = run_host_python(pythonpath, "rfsync_maya", tmp_path)
    assert lines[0] == requests.__file__  # the host's requests, not the 99.0 in rfsync's deps
    assert lines[1].startswith(str(modules / "rfsync" / "deps"))
    assert not any("deps" in Path(p).parts for p in pythonpath), pythonpath


def test_houdini_package_keeps_houdinis_own_libraries(tmp_path: Path) -> None:
    inst = install_module()
    versions = [v for v, py in inst.HOUDINI_PYTHON.items() if py == PY]  # type: ignore[attr-defined]
    if not versions:
        pytest.skip(f"no Houdini ships Python {PY}")
    pref = tmp_path / f"houdini{versions[0]}"
    for _ in range(2):  # the reinstall keeps the deps planted after the first: the package now has deps
        inst.HoudiniInstaller(pref, versions[0], deps=False).plan_install().execute(  # type: ignore[attr-defined]
            False, lambda _line: None)
        if not (pref / "rfsync" / "deps").exists():
            plant_deps(pref / "rfsync" / "deps" / f"py{PY}")
    assert (pref / "rfsync" / "deps" / f"py{PY}" / "rfsync_only_dep").is_dir()
    pythonpath = houdini_pythonpath(pref / "packages" / "rfsync.json")
    lines = run_host_python(pythonpath, "rfsync_houdini", tmp_path)
    assert lines[0] == requests.__file__  # the host's requests, not the 99.0 in rfsync's deps
    assert lines[1].startswith(str(pref / "rfsync" / "deps"))
    assert not any("deps" in Path(p).parts for p in pythonpath), pythonpath
