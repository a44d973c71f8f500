"""install.py --maya: module file, module folder, dependencies via pip --target, uninstall, dry run.

Runs install.py as a subprocess against a temporary MAYA_APP_DIR (never the real home). Dependency
installs use a fake ``mayapy`` (a script that answers the version query and records the pip call),
so no network is needed.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Dict, Optional

import pytest
from testpaths import REPO as REPO_ROOT

REPO = REPO_ROOT
INSTALL = REPO / "install.py"


def run(*args: str, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(INSTALL), *args], capture_output=True, text=True,
                          env=env or dict(os.environ), timeout=120, cwd=str(REPO))


@pytest.fixture
def app_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "maya_app"
    monkeypatch.setenv("MAYA_APP_DIR", str(path))
    return path


def snapshot(root: Path) -> Dict[str, int]:
    return {str(p.relative_to(root)): p.stat().st_size for p in root.rglob("*")} if root.exists() else {}


def test_install_writes_module_and_uninstall_removes_it(app_dir: Path) -> None:
    proc = run("--maya", "--no-deps")
    assert proc.returncode == 0, proc.stderr
    modules = app_dir / "modules"
    mod = (modules / "rfsync.mod").read_text()
    blocks = re.findall(r"^\+ MAYAVERSION:(\d{4}) rfsync 0\.1\.0 rfsync$", mod, re.M)
    assert blocks == ["2023", "2024", "2025", "2026"]
    assert mod.count("PYTHONPATH+:=python") == 4 and "deps/" not in mod  # no deps installed
    root = modules / "rfsync"
    assert (root / "scripts" / "userSetup.py").is_file()
    assert (root / "scripts" / "rfsync_maya" / "__main__.py").is_file()
    assert (root / "python" / "rfsync_core" / "__init__.py").is_file()
    assert (root / "shelves" / "rfsync_shelf.json").is_file()
    assert (root / "icons" / "rfsync_upload.svg").is_file()
    assert not list(root.rglob("__pycache__"))
    assert json.loads((root / "rfsync-install.json").read_text())["version"] == "0.1.0"
    assert not list(modules.glob(".rfsync.*"))  # no staging leftovers

    proc = run("--maya", "--no-deps")  # again: replaces in place
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in modules.iterdir()) == ["rfsync", "rfsync.mod"]

    saved = app_dir / "2025" / "prefs" / "shelves"
    saved.mkdir(parents=True)
    (saved / "shelf_RenderFarm.mel").write_text('shelfButton -command "import rfsync_maya.actions";')
    (saved / "shelf_Custom.mel").write_text("global proc shelf_Custom() {}")
    proc = run("--maya", "--uninstall")
    assert proc.returncode == 0, proc.stderr
    assert list(modules.iterdir()) == []
    assert not (saved / "shelf_RenderFarm.mel").exists() and (saved / "shelf_Custom.mel").exists()
    proc = run("--maya", "--uninstall")
    assert proc.returncode == 0 and "nothing to remove" in proc.stdout


SAVED_BUTTON = """    shelfButton
        -enableCommandRepeat 1
        -label "{label}"
        -image "{image}"
        -style "iconOnly"
        -command "{command}"
        -sourceType "python"
    ;
"""


def saved_shelf(*buttons: str) -> str:
    """A ``shelf_RenderFarm.mel`` as Maya writes it on exit (hosts.md: label, command, image; no names)."""
    return "global proc shelf_RenderFarm () {\n    global string $gBuffStr;\n" + "".join(buttons) + "}\n"


def test_uninstall_removes_a_saved_shelf_only_if_it_is_ours(app_dir: Path) -> None:
    """Issue 11 point 6: the saved shelf goes only when every button in it is rfsync's."""
    assert run("--maya", "--no-deps").returncode == 0
    ours = SAVED_BUTTON.format(label="Upload scene assets", image="rfsync_upload.svg",
                               command="import rfsync_maya.actions\\nrfsync_maya.actions.upload_scene_assets()")
    theirs = SAVED_BUTTON.format(label="Playblast", image="playblast.png", command="cmds.playblast()")
    only_ours = app_dir / "2025" / "prefs" / "shelves" / "shelf_RenderFarm.mel"
    mixed = app_dir / "2024" / "prefs" / "shelves" / "shelf_RenderFarm.mel"
    for path, text in ((only_ours, saved_shelf(ours, ours)), (mixed, saved_shelf(ours, theirs))):
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")
    proc = run("--maya", "--uninstall")
    assert proc.returncode == 0, proc.stderr
    assert not only_ours.exists()
    assert mixed.read_text(encoding="utf-8") == saved_shelf(ours, theirs)  # the artist's button survives
    assert f"keep {mixed}: it also holds buttons you added" in proc.stdout


def test_dry_run_changes_nothing_and_shows_pip_target(app_dir: Path) -> None:
    proc = run("--maya", "--dry-run", "--maya-version", "2024")
    assert proc.returncode == 0, proc.stderr
    assert not app_dir.exists()
    pip_lines = [line for line in proc.stdout.splitlines() if "pip install" in line]
    assert len(pip_lines) == 1
    line = pip_lines[0]
    assert "--python-version 3.10" in line and "--only-binary=:all:" in line
    assert re.search(r"--target \S+/deps/py3\.10", line)
    assert "requests>=2.28" in line and "Qt.py>=1.4" in line
    assert line.endswith(" urllib3<2")  # no mayapy to ask for its OpenSSL: the urllib3 that works on any
    assert all(line.startswith("would: ") for line in proc.stdout.splitlines())


@pytest.mark.skipif(os.name == "nt", reason="the fake mayapy is a POSIX shell script")
@pytest.mark.parametrize("openssl, pinned", [("1.0.2", True), ("1.1.1", False), ("3.0.13", False),
                                             ("no ssl module", True)])
def test_urllib3_below_2_for_a_mayapy_with_old_openssl(tmp_path: Path, app_dir: Path, openssl: str,
                                                       pinned: bool) -> None:
    """Issue 11 point 5: the installer asks the host's Python for ``ssl.OPENSSL_VERSION_INFO``."""
    fake = tmp_path / "mayapy"
    answer = "echo 'ModuleNotFoundError: No module named _ssl' >&2; exit 1" if openssl == "no ssl module" \
        else f"echo {openssl}"
    fake.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "-c" ]; then case "$2" in *OPENSSL_VERSION_INFO*) ' + answer + ";; *) echo 3.11;; esac; "
        "exit 0; fi\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    proc = run("--maya", "--dry-run", "--mayapy", str(fake), "--maya-version", "2025")
    assert proc.returncode == 0, proc.stderr
    (line,) = [line for line in proc.stdout.splitlines() if "pip install" in line]
    assert line.startswith(f"would: install dependencies for Python 3.11: {fake} -m pip install")
    assert ("urllib3<2" in line) is pinned, line


def test_modules_dir_option_and_user_files_untouched(tmp_path: Path, app_dir: Path) -> None:
    user_setup = app_dir / "2025" / "scripts" / "userSetup.py"
    maya_env = app_dir / "2025" / "Maya.env"
    user_setup.parent.mkdir(parents=True)
    user_setup.write_text("print('mine')\n")
    maya_env.write_text("MY_VAR=1\n")
    before = snapshot(app_dir)
    target = tmp_path / "studio_modules"
    proc = run("--maya", "--no-deps", "--maya-modules-dir", str(target))
    assert proc.returncode == 0, proc.stderr
    assert (target / "rfsync.mod").is_file()
    assert snapshot(app_dir) == before
    assert user_setup.read_text() == "print('mine')\n" and maya_env.read_text() == "MY_VAR=1\n"


@pytest.mark.skipif(os.name == "nt", reason="the fake mayapy is a POSIX shell script")
def test_mayapy_pip_installs_into_the_module(tmp_path: Path, app_dir: Path) -> None:
    log = tmp_path / "mayapy.log"
    fake = tmp_path / "mayapy"
    fake.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> "{log}"\n'
        'if [ "$1" = "-c" ]; then echo 3.11; exit 0; fi\n'
        'while [ "$#" -gt 0 ]; do if [ "$1" = "--target" ]; then shift; mkdir -p "$1/requests"; '
        'touch "$1/requests/__init__.py"; fi; shift; done\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    proc = run("--maya", "--mayapy", str(fake), "--maya-version", "2025")
    assert proc.returncode == 0, proc.stderr
    calls = log.read_text().splitlines()
    assert calls[0].startswith("-c ") and "OPENSSL_VERSION_INFO" in calls[1]  # its version, then its OpenSSL
    assert calls[2].startswith("-m pip install") and "--target" in calls[2]
    root = app_dir / "modules" / "rfsync"
    assert (root / "deps" / "py3.11" / "requests" / "__init__.py").is_file()
    mod = (app_dir / "modules" / "rfsync.mod").read_text()
    assert "+ MAYAVERSION:2025 rfsync 0.1.0 rfsync\nPYTHONPATH+:=python\n" in mod
    assert "deps" not in mod  # rfsync_maya appends them to sys.path, after Maya's own (test_install_isolation)

    proc = run("--maya", "--no-deps", "--maya-version", "2025")  # reinstall keeps the deps
    assert proc.returncode == 0, proc.stderr
    assert (root / "deps" / "py3.11" / "requests" / "__init__.py").is_file()
    assert "deps" not in (app_dir / "modules" / "rfsync.mod").read_text()


@pytest.mark.skipif(os.name == "nt", reason="the fake mayapy is a POSIX shell script")
def test_failed_pip_leaves_no_half_install(tmp_path: Path, app_dir: Path) -> None:
    fake = tmp_path / "mayapy"
    fake.write_text('#!/bin/sh\nif [ "$1" = "-c" ]; then echo 3.10; exit 0; fi\necho "no network" >&2\nexit 1\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    proc = run("--maya", "--mayapy", str(fake))
    assert proc.returncode == 1
    assert "failed" in proc.stderr and "no network" in proc.stderr
    modules = app_dir / "modules"
    assert not (modules / "rfsync.mod").exists() and not (modules / "rfsync").exists()
    assert not list(modules.glob(".rfsync.*"))


def test_refuses_to_remove_what_it_did_not_write(app_dir: Path) -> None:
    modules = app_dir / "modules"
    modules.mkdir(parents=True)
    (modules / "rfsync.mod").write_text("+ other 1.0 other\n")
    proc = run("--maya", "--uninstall")
    assert proc.returncode == 1 and "not written by rfsync" in proc.stderr
    assert (modules / "rfsync.mod").exists()


def test_default_app_dir_per_os() -> None:
    sys.path.insert(0, str(REPO))
    try:
        import install
    finally:
        sys.path.remove(str(REPO))
    assert install.default_maya_app_dir({"HOME": "/h"}, "linux") == Path("/h/maya")
    assert install.default_maya_app_dir({"HOME": "/h"}, "darwin") == Path(
        "/h/Library/Preferences/Autodesk/maya")
    assert install.default_maya_app_dir({"USERPROFILE": "C:/Users/a"}, "win32") == Path(
        "C:/Users/a/Documents/maya")
    assert install.default_maya_app_dir({"MAYA_APP_DIR": "/x", "HOME": "/h"}, "linux") == Path("/x")
