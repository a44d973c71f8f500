"""install.py's Houdini part: the package JSON and the plugin folder in a temporary preference folder
(never the real home), dry run, reinstall, uninstall, refusing files it did not write; and the installed
package actually works when its PYTHONPATH/hpath are applied the way Houdini applies them (fake hou).

Dependency installs use a fake Houdini Python (a script that answers the version query and records the
pip call), so no network is needed.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, List

import pytest
from testpaths import REPO as REPO_ROOT

REPO = REPO_ROOT
FAKES_DIR = REPO / "tests" / "fakes"


@pytest.fixture(scope="module")
def inst() -> ModuleType:
    spec = importlib.util.spec_from_file_location("rfsync_install_houdini", REPO / "install.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses need the module registered
    spec.loader.exec_module(module)
    return module


def execute(plan: Any, dry_run: bool = False) -> List[str]:
    lines: List[str] = []
    plan.execute(dry_run, lines.append)
    return lines


@pytest.fixture
def fake_python(tmp_path: Path) -> Path:
    """Answers ``-c`` with 3.11 and, for ``-m pip install … --target DIR``, writes DIR/fake_dep/__init__.py."""
    script = tmp_path / "houdini_python"
    script.write_text(
        f"#!{sys.executable}\n"
        "import os, sys\n"
        "args = sys.argv[1:]\n"
        "if args[:1] == ['-c']:\n"
        "    print('3.11'); sys.exit(0)\n"
        "target = args[args.index('--target') + 1]\n"
        "os.makedirs(os.path.join(target, 'fake_dep'), exist_ok=True)\n"
        "open(os.path.join(target, 'fake_dep', '__init__.py'), 'w').write(repr(args))\n",
        encoding="utf-8")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_default_pref_dirs(inst: ModuleType) -> None:
    env = {"HOME": "/home/ann", "USERPROFILE": "C:/Users/ann"}
    assert inst.default_houdini_pref_dir("20.5", env, "linux") == Path("/home/ann/houdini20.5")
    assert inst.default_houdini_pref_dir("20.5", env, "darwin") == Path(
        "/home/ann/Library/Preferences/houdini/20.5")
    assert inst.default_houdini_pref_dir("19.5", env, "win32") == Path("C:/Users/ann/Documents/houdini19.5")
    env["HOUDINI_USER_PREF_DIR"] = "/prefs/houdini__HVER__"
    assert inst.default_houdini_pref_dir("21.0", env, "linux") == Path("/prefs/houdini21.0")


def test_package_json_sets_methods_and_hpath(inst: ModuleType, tmp_path: Path) -> None:
    package = inst.houdini_package(tmp_path / "rfsync")
    base = (tmp_path / "rfsync").as_posix()
    assert package["hpath"] == base
    assert package["env"] == [
        {"PYTHONPATH": {"value": f"{base}/python", "method": "prepend"}},
    ]
    assert inst.HOUDINI_PYTHON == {"19.5": "3.9", "20.0": "3.10", "20.5": "3.11", "21.0": "3.11"}
    with pytest.raises(inst.InstallError, match="unknown Houdini version"):
        inst.HoudiniInstaller(tmp_path, "18.0")


def test_dry_run_changes_nothing(inst: ModuleType, tmp_path: Path) -> None:
    pref = tmp_path / "houdini20.5"
    lines = execute(inst.HoudiniInstaller(pref, "20.5").plan_install(), dry_run=True)
    assert not pref.exists()
    assert lines[0].startswith("would: create")
    assert any("--python-version 3.11" in line and "--only-binary=:all:" in line for line in lines)
    assert lines[-1] == f"would: write {pref / 'packages' / 'rfsync.json'} (Houdini 20.5)"


def test_install_reinstall_uninstall(inst: ModuleType, tmp_path: Path, fake_python: Path) -> None:
    pref = tmp_path / "houdini20.5"
    installer = inst.HoudiniInstaller(pref, "20.5", python=str(fake_python))
    execute(installer.plan_install())
    root = pref / "rfsync"
    for rel in ("python/rfsync_houdini/__init__.py", "python/rfsync_houdini/rop.py", "python/rfsync_core/app/jobs.py",
                "otls/rfsync_submit.hda/Sections.list",
                "otls/rfsync_submit.hda/Driver_1rfsync__submit/DialogScript", "MainMenuCommon.xml",
                "deps/py3.11/fake_dep/__init__.py", inst.MARKER):
        assert (root / rel).is_file(), rel
    assert not list(root.rglob("__pycache__"))
    package = json.loads((pref / "packages" / "rfsync.json").read_text(encoding="utf-8"))
    assert package == inst.houdini_package(root)
    assert [p.name for p in pref.iterdir() if p.name.startswith(".rfsync")] == []  # no staging left
    # reinstall without deps keeps those of the first install
    execute(inst.HoudiniInstaller(pref, "20.5", deps=False).plan_install())
    assert (root / "deps" / "py3.11" / "fake_dep" / "__init__.py").is_file()
    assert json.loads((pref / "packages" / "rfsync.json").read_text()) == package
    # uninstall removes exactly what was installed
    (pref / "packages" / "other.json").write_text("{}")
    execute(installer.plan_uninstall())
    assert sorted(p.relative_to(pref).as_posix() for p in pref.rglob("*")) == ["packages", "packages/other.json"]
    assert execute(installer.plan_uninstall())[0].startswith("nothing to remove")


def test_foreign_files_are_never_overwritten_or_removed(inst: ModuleType, tmp_path: Path) -> None:
    pref = tmp_path / "houdini20.0"
    (pref / "packages").mkdir(parents=True)
    (pref / "packages" / "rfsync.json").write_text('{"hpath": "/somewhere/else"}')
    installer = inst.HoudiniInstaller(pref, "20.0", deps=False)
    with pytest.raises(inst.InstallError, match=r"not written by install\.py"):
        installer.plan_install()
    with pytest.raises(inst.InstallError, match="not written by rfsync"):
        installer.plan_uninstall()
    (pref / "packages" / "rfsync.json").unlink()
    (pref / "rfsync").mkdir()
    with pytest.raises(inst.InstallError, match=r"not made by install\.py"):
        installer.plan_install()


def test_arguments_and_run(inst: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                           capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--uninstall", action="store_true")
    parser.add_argument("--dry-run", action="store_true")
    inst.add_houdini_arguments(parser)
    assert any(g.title == "Houdini" for g in parser._action_groups)
    args = parser.parse_args(["--houdini", "--houdini-version", "19.5", "--houdini-version", "20.5"])
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("HOUDINI_USER_PREF_DIR", raising=False)
    installers = inst.houdini_installers(args)
    assert [(i.version, i.pref_dir.name) for i in installers] == [("19.5", "houdini19.5"), ("20.5", "houdini20.5")]
    bad = parser.parse_args(["--houdini", "--houdini-pref-dir", str(tmp_path / "p")])
    assert inst.run_houdini(bad) == 1
    assert "exactly one --houdini-version" in capsys.readouterr().err
    pref = tmp_path / "prefs"
    args = parser.parse_args(["--houdini", "--houdini-version", "21.0", "--houdini-pref-dir", str(pref),
                              "--houdini-no-deps"])
    out: List[str] = []
    assert inst.run_houdini(args, out.append) == 0
    assert (pref / "packages" / "rfsync.json").is_file() and "RFSync" in out[-1]
    args.uninstall = True
    assert inst.run_houdini(args, out.append) == 0
    assert not (pref / "packages" / "rfsync.json").exists() and not (pref / "rfsync").exists()


def test_installed_package_works_as_houdini_applies_it(inst: ModuleType, tmp_path: Path) -> None:
    """Apply the package JSON like Houdini (PYTHONPATH prepend/append, hpath on HOUDINI_PATH) in a fresh
    process with the fake hou: the plugin imports from the installed copy and the HDA installs from it."""
    pref = tmp_path / "houdini20.5"
    execute(inst.HoudiniInstaller(pref, "20.5", deps=False).plan_install())
    package = json.loads((pref / "packages" / "rfsync.json").read_text(encoding="utf-8"))
    pythonpath = [str(FAKES_DIR)]
    for entry in package["env"]:
        spec = entry["PYTHONPATH"]
        pythonpath = [spec["value"], *pythonpath] if spec["method"] == "prepend" else [*pythonpath, spec["value"]]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(pythonpath), HOUDINI_PATH=package["hpath"] + os.pathsep + "&")
    code = ("import hou, rfsync_houdini.rop, rfsync_core\n"
            "print(rfsync_houdini.rop.__file__)\nprint(rfsync_core.__file__)\n"
            "print(hou.hda.loadedFiles()[0])\n"
            "rop = hou.node('/out').createNode('rfsync_submit')\n"
            "print(rop.hdaModule().callback.__module__)\n")
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60,
                          cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    root = str(pref / "rfsync")
    assert lines[0].startswith(root) and lines[1].startswith(root)
    assert lines[2] == (pref / "rfsync" / "otls" / "rfsync_submit.hda").as_posix()
    assert lines[3] == "rfsync_houdini.rop"


def test_only_existing_houdini_versions_unless_named(inst: ModuleType, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Issue 11 point 9: never create ``~/houdiniX.Y`` for a Houdini that is not installed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--uninstall", action="store_true")
    parser.add_argument("--dry-run", action="store_true")
    inst.add_houdini_arguments(parser)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("HOUDINI_USER_PREF_DIR", raising=False)
    args = parser.parse_args(["--houdini", "--houdini-no-deps"])
    assert inst.run_houdini(args, lambda _line: None) == 1
    err = capsys.readouterr().err
    assert "no Houdini preference folder" in err and "--houdini-version" in err
    assert list(home.iterdir()) == []  # nothing created
    (home / "houdini20.5").mkdir()
    assert [i.version for i in inst.houdini_installers(args)] == ["20.5"]
    assert inst.run_houdini(args, lambda _line: None) == 0
    assert sorted(p.name for p in home.iterdir()) == ["houdini20.5"]
