#!/usr/bin/env python3
"""Install rfsync into a host application for the current user (never into the host's installation).

    python install.py --maya                    # Maya module in $MAYA_APP_DIR/modules
    python install.py --maya --dry-run          # show what it would do
    python install.py --maya --uninstall        # remove it again
    python install.py --maya --mayapy "C:/Program Files/Autodesk/Maya2025/bin/mayapy.exe"

Maya: a module folder ``rfsync/`` (``scripts/`` with ``rfsync_maya`` and a
``userSetup.py`` that only defers the menu/shelf creation, ``python/`` with
``rfsync_core``, ``shelves/`` + ``icons/`` for the shelf, ``deps/pyX.Y`` with
the dependencies for each Maya Python) and a ``rfsync.mod`` beside it, both in
the user's modules folder. Dependencies are installed with pip ``--target``
for each Maya's Python version (``--python-version X.Y --only-binary=:all:``),
or by that Maya's own pip when ``--mayapy`` is given. The user's
``userSetup.py`` and ``Maya.env`` are never touched.

Structured per host (:class:`HostInstaller`) so Houdini (package JSON) and
Katana (a ``KATANA_RESOURCES`` folder) can be added beside Maya.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

REPO = Path(__file__).resolve().parent
VERSION = "0.1.0"
MARKER = "rfsync-install.json"

MAYA_PYTHON: Dict[str, str] = {"2023": "3.9", "2024": "3.10", "2025": "3.11", "2026": "3.11"}
"""Maya version → its Python (DESIGN §6 supports 2023–2026)."""

UI_REQUIREMENTS = ["Qt.py>=1.4"]


class InstallError(Exception):
    """A one-line reason the install cannot go on."""


# -- plan/execute ---------------------------------------------------------------------------------

@dataclass
class Step:
    """One thing the installer does; ``describe`` is what --dry-run prints."""

    describe: str
    run: Callable[[], None]


@dataclass
class Plan:
    steps: List[Step] = field(default_factory=list)

    def add(self, describe: str, run: Callable[[], None]) -> None:
        self.steps.append(Step(describe, run))

    def execute(self, dry_run: bool, out: Callable[[str], None] = print) -> None:
        for step in self.steps:
            out(("would: " if dry_run else "") + step.describe)
            if not dry_run:
                step.run()


def project_requirements() -> List[str]:
    """Runtime dependencies from pyproject.toml's ``[project] dependencies`` (+ Qt.py for the UI)."""
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    m = re.search(r"^dependencies\s*=\s*\[(.*?)\]", text, re.S | re.M)
    if not m:
        raise InstallError(f"{REPO / 'pyproject.toml'}: no [project] dependencies list found")
    return re.findall(r'"([^"]+)"', m.group(1)) + UI_REQUIREMENTS


def write_text_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8", newline="\n")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _ignore(_dir: str, names: List[str]) -> List[str]:
    return [n for n in names if n in ("__pycache__", ".mypy_cache", ".ruff_cache") or n.endswith(".pyc")]


class HostInstaller:
    """Base for one host: builds a :class:`Plan` for install or uninstall."""

    name = ""

    def plan_install(self) -> Plan:
        raise NotImplementedError

    def plan_uninstall(self) -> Plan:
        raise NotImplementedError


# -- Maya -------------------------------------------------------------------------------------------

def default_maya_app_dir(environ: Optional[Dict[str, str]] = None, platform: Optional[str] = None) -> Path:
    """``$MAYA_APP_DIR``, else Maya's per-OS default (hosts.md)."""
    env = os.environ if environ is None else environ
    plat = platform or sys.platform
    if env.get("MAYA_APP_DIR"):
        return Path(env["MAYA_APP_DIR"]).expanduser()
    if plat.startswith("win"):
        return Path(env.get("USERPROFILE") or Path.home()) / "Documents" / "maya"
    home = Path(env.get("HOME") or Path.home())
    if plat == "darwin":
        return home / "Library" / "Preferences" / "Autodesk" / "maya"
    return home / "maya"


def maya_mod_text(versions: Sequence[str], with_deps: Dict[str, bool]) -> str:
    """The .mod file: one block per Maya version, each adding rfsync_core and that Python's deps."""
    lines = ["# rfsync for Maya — written by install.py; remove with: python install.py --maya --uninstall"]
    for version in versions:
        py = MAYA_PYTHON[version]
        lines += ["", f"+ MAYAVERSION:{version} rfsync {VERSION} rfsync", "PYTHONPATH+:=python"]
        if with_deps.get(py):
            lines.append(f"PYTHONPATH+:=deps/py{py}")
    return "\n".join(lines) + "\n"


def run_command(cmd: List[str]) -> str:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise InstallError(f"cannot run {cmd[0]}: {err}") from None
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise InstallError(f"{' '.join(cmd[:4])} … failed (exit {proc.returncode}): " + " | ".join(tail))
    return proc.stdout


def _runner(cmd: List[str]) -> Callable[[], None]:
    def run() -> None:
        run_command(cmd)

    return run


def _copier(src: Path, dst: Path) -> Callable[[], None]:
    def run() -> None:
        shutil.copytree(src, dst)

    return run


def python_version_of(python: str) -> str:
    out = run_command([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"]).strip()
    if not re.fullmatch(r"3\.\d+", out):
        raise InstallError(f"{python} reported an unexpected Python version: {out!r}")
    return out


class MayaInstaller(HostInstaller):
    name = "maya"

    def __init__(self, modules_dir: Path, versions: Sequence[str], deps: bool = True,
                 mayapy: Optional[str] = None) -> None:
        self.modules_dir = modules_dir
        self.module_root = modules_dir / "rfsync"
        self.mod_file = modules_dir / "rfsync.mod"
        unknown = [v for v in versions if v not in MAYA_PYTHON]
        if unknown:
            raise InstallError(f"unknown Maya version(s) {', '.join(unknown)}; known: {', '.join(MAYA_PYTHON)}")
        self.versions = list(versions)
        self.deps = deps
        self.mayapy = mayapy

    def python_versions(self) -> List[str]:
        if self.mayapy:
            return [python_version_of(self.mayapy)]
        return sorted({MAYA_PYTHON[v] for v in self.versions}, key=lambda s: tuple(map(int, s.split("."))))

    def pip_command(self, py: str, target: Path) -> List[str]:
        reqs = project_requirements()
        if self.mayapy:
            return [self.mayapy, "-m", "pip", "install", "--disable-pip-version-check", "--no-warn-script-location",
                    "--target", str(target), *reqs]
        return [sys.executable, "-m", "pip", "install", "--disable-pip-version-check",
                "--no-warn-script-location", "--target", str(target), "--python-version", py,
                "--only-binary=:all:", "--implementation", "cp", *reqs]

    def _build_module(self, staging: Path) -> None:
        shutil.copytree(REPO / "plugins" / "maya" / "scripts", staging / "scripts", ignore=_ignore)
        shutil.copytree(REPO / "rfsync_core", staging / "python" / "rfsync_core", ignore=_ignore)
        (staging / "shelves").mkdir()
        shutil.copy2(REPO / "shelf" / "maya" / "rfsync_shelf.json", staging / "shelves" / "rfsync_shelf.json")
        shutil.copytree(REPO / "shelf" / "maya" / "icons", staging / "icons", ignore=_ignore)

    def plan_install(self) -> Plan:
        plan = Plan()
        py_versions = self.python_versions() if self.deps else []
        staging = self.modules_dir / f".rfsync.new-{uuid.uuid4().hex[:8]}"
        old = self.modules_dir / f".rfsync.old-{uuid.uuid4().hex[:8]}"
        if self.module_root.exists() and not (self.module_root / MARKER).exists():
            raise InstallError(f"{self.module_root} exists and was not made by install.py: move it away first")
        plan.add(f"create {self.modules_dir}", lambda: self.modules_dir.mkdir(parents=True, exist_ok=True))
        plan.add(f"copy rfsync_maya, userSetup.py, rfsync_core, shelf and icons into {staging.name}/",
                 lambda: self._build_module(staging))
        kept_deps: Dict[str, bool] = {}
        if self.deps:
            for py in py_versions:
                cmd = self.pip_command(py, staging / "deps" / f"py{py}")
                plan.add("install dependencies for Python " + py + ": " + " ".join(cmd), _runner(cmd))
                kept_deps[py] = True
        else:
            for py in sorted({MAYA_PYTHON[v] for v in self.versions}):
                if (self.module_root / "deps" / f"py{py}").is_dir():
                    kept_deps[py] = True
                    plan.add(f"keep the dependencies already installed for Python {py}",
                             _copier(self.module_root / "deps" / f"py{py}", staging / "deps" / f"py{py}"))
        marker = {"version": VERSION, "source": str(REPO), "maya_versions": self.versions,
                  "python_versions": sorted(kept_deps)}
        plan.add(f"write {MARKER}", lambda: write_text_atomic(staging / MARKER, json.dumps(marker, indent=2)))

        def swap() -> None:
            if self.module_root.exists():
                os.replace(self.module_root, old)
            os.replace(staging, self.module_root)
            if old.exists():
                shutil.rmtree(old)

        plan.add(f"put the module folder in place: {self.module_root}", swap)
        mod_text = maya_mod_text(self.versions, kept_deps)
        plan.add(f"write {self.mod_file} (Maya {', '.join(self.versions)})",
                 lambda: write_text_atomic(self.mod_file, mod_text))
        return plan

    def saved_shelf_files(self) -> List[Path]:
        """``shelf_RenderFarm.mel`` files Maya saved from our shelf (they would call a removed plugin)."""
        app_dir = self.modules_dir.parent
        out = []
        for path in sorted(app_dir.glob("*/prefs/shelves/shelf_RenderFarm.mel")):
            try:
                if "rfsync_maya" in path.read_text(encoding="utf-8", errors="replace"):
                    out.append(path)
            except OSError:
                continue
        return out

    def plan_uninstall(self) -> Plan:
        plan = Plan()
        if self.mod_file.exists():
            text = self.mod_file.read_text(encoding="utf-8", errors="replace")
            if " rfsync " not in text:
                raise InstallError(f"{self.mod_file} was not written by rfsync's install.py: not removing it")
            plan.add(f"remove {self.mod_file}", self.mod_file.unlink)
        if self.module_root.exists():
            if not (self.module_root / MARKER).exists():
                raise InstallError(f"{self.module_root} was not made by install.py: not removing it")
            plan.add(f"remove {self.module_root}", lambda: shutil.rmtree(self.module_root))
        for shelf in self.saved_shelf_files():
            plan.add(f"remove the shelf Maya saved from rfsync: {shelf}", shelf.unlink)
        if not plan.steps:
            plan.add("nothing to remove: rfsync is not installed for Maya here", lambda: None)
        return plan


# -- command line -----------------------------------------------------------------------------------

# -- Houdini ----------------------------------------------------------------------------------------

HOUDINI_PYTHON: Dict[str, str] = {"19.5": "3.9", "20.0": "3.10", "20.5": "3.11", "21.0": "3.11"}
"""Houdini version → its Python (hosts.md; 21.0 = 3.11 is unconfirmed). DESIGN §6 supports 19.5–21."""

HOUDINI_PACKAGE = "rfsync.json"
HOUDINI_ROOT = "rfsync"


def default_houdini_pref_dir(version: str, environ: Optional[Dict[str, str]] = None,
                             platform: Optional[str] = None) -> Path:
    """``$HOUDINI_USER_PREF_DIR`` (its ``__HVER__`` replaced by ``version``), else the per-OS default.

    Defaults (hosts.md): Windows ``~/Documents/houdiniX.Y``, Linux ``~/houdiniX.Y``,
    macOS ``~/Library/Preferences/houdini/X.Y``.
    """
    env = os.environ if environ is None else environ
    plat = platform or sys.platform
    if env.get("HOUDINI_USER_PREF_DIR"):
        return Path(env["HOUDINI_USER_PREF_DIR"].replace("__HVER__", version)).expanduser()
    if plat.startswith("win"):
        return Path(env.get("USERPROFILE") or Path.home()) / "Documents" / f"houdini{version}"
    home = Path(env.get("HOME") or Path.home())
    if plat == "darwin":
        return home / "Library" / "Preferences" / "houdini" / version
    return home / f"houdini{version}"


def houdini_package(root: Path, python: Optional[str]) -> Dict[str, object]:
    """The package JSON: our python folder first on PYTHONPATH, our deps last (Houdini's own win), hpath = root.

    Every PYTHONPATH entry names its ``method`` (Houdini's default method is unconfirmed).
    """
    base = root.as_posix()
    env: List[Dict[str, object]] = [{"PYTHONPATH": {"value": f"{base}/python", "method": "prepend"}}]
    if python:
        env.append({"PYTHONPATH": {"value": f"{base}/deps/py{python}", "method": "append"}})
    return {"env": env, "hpath": base}


class HoudiniInstaller(HostInstaller):
    """One Houdini version's install: ``<pref>/rfsync/`` (plugin, rfsync_core, HDA, menu, deps) and
    ``<pref>/packages/rfsync.json`` pointing at it. The user's other packages and ``houdini.env`` are
    never touched."""

    name = "houdini"

    def __init__(self, pref_dir: Path, version: str, deps: bool = True, python: Optional[str] = None) -> None:
        if version not in HOUDINI_PYTHON:
            raise InstallError(f"unknown Houdini version {version}; known: {', '.join(HOUDINI_PYTHON)}")
        self.pref_dir = pref_dir
        self.version = version
        self.root = pref_dir / HOUDINI_ROOT
        self.packages_dir = pref_dir / "packages"
        self.package_file = self.packages_dir / HOUDINI_PACKAGE
        self.deps = deps
        self.python = python
        """A Python of that Houdini (e.g. ``$HFS/python/bin/python3``) whose pip installs the deps."""

    def python_version(self) -> str:
        return python_version_of(self.python) if self.python else HOUDINI_PYTHON[self.version]

    def pip_command(self, py: str, target: Path) -> List[str]:
        reqs = project_requirements()
        if self.python:
            return [self.python, "-m", "pip", "install", "--disable-pip-version-check", "--no-warn-script-location",
                    "--target", str(target), *reqs]
        return [sys.executable, "-m", "pip", "install", "--disable-pip-version-check",
                "--no-warn-script-location", "--target", str(target), "--python-version", py,
                "--only-binary=:all:", "--implementation", "cp", *reqs]

    def _build(self, staging: Path) -> None:
        plugin = REPO / "plugins" / "houdini"
        shutil.copytree(plugin / "python" / "rfsync_houdini", staging / "python" / "rfsync_houdini", ignore=_ignore)
        shutil.copytree(REPO / "rfsync_core", staging / "python" / "rfsync_core", ignore=_ignore)
        shutil.copytree(plugin / "otls", staging / "otls", ignore=_ignore)
        shutil.copy2(plugin / "MainMenuCommon.xml", staging / "MainMenuCommon.xml")

    def is_ours(self) -> bool:
        return (self.root / MARKER).exists()

    def package_is_ours(self) -> bool:
        try:
            data = json.loads(self.package_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return isinstance(data, dict) and data.get("hpath") == self.root.as_posix()

    def plan_install(self) -> Plan:
        plan = Plan()
        if self.root.exists() and not self.is_ours():
            raise InstallError(f"{self.root} exists and was not made by install.py: move it away first")
        if self.package_file.exists() and not self.package_is_ours():
            raise InstallError(f"{self.package_file} exists and was not written by install.py: move it away first")
        staging = self.pref_dir / f".rfsync.new-{uuid.uuid4().hex[:8]}"
        old = self.pref_dir / f".rfsync.old-{uuid.uuid4().hex[:8]}"
        plan.add(f"create {self.packages_dir}", lambda: self.packages_dir.mkdir(parents=True, exist_ok=True))
        plan.add(f"copy rfsync_houdini, rfsync_core, the rfsync_submit HDA and MainMenuCommon.xml into "
                 f"{staging.name}/", lambda: self._build(staging))
        py: Optional[str] = None
        if self.deps:
            py = self.python_version()
            cmd = self.pip_command(py, staging / "deps" / f"py{py}")
            plan.add("install dependencies for Python " + py + ": " + " ".join(cmd), _runner(cmd))
        else:
            kept = HOUDINI_PYTHON[self.version]
            if (self.root / "deps" / f"py{kept}").is_dir():
                py = kept
                plan.add(f"keep the dependencies already installed for Python {kept}",
                         _copier(self.root / "deps" / f"py{kept}", staging / "deps" / f"py{kept}"))
        marker = {"version": VERSION, "source": str(REPO), "houdini_version": self.version, "python_version": py}
        plan.add(f"write {MARKER}", lambda: write_text_atomic(staging / MARKER, json.dumps(marker, indent=2)))

        def swap() -> None:
            if self.root.exists():
                os.replace(self.root, old)
            os.replace(staging, self.root)
            if old.exists():
                shutil.rmtree(old)

        plan.add(f"put the plugin folder in place: {self.root}", swap)
        text = json.dumps(houdini_package(self.root, py), indent=4) + "\n"
        plan.add(f"write {self.package_file} (Houdini {self.version})",
                 lambda: write_text_atomic(self.package_file, text))
        return plan

    def plan_uninstall(self) -> Plan:
        plan = Plan()
        if self.package_file.exists():
            if not self.package_is_ours():
                raise InstallError(f"{self.package_file} was not written by rfsync's install.py: not removing it")
            plan.add(f"remove {self.package_file}", self.package_file.unlink)
        if self.root.exists():
            if not self.is_ours():
                raise InstallError(f"{self.root} was not made by install.py: not removing it")
            plan.add(f"remove {self.root}", lambda: shutil.rmtree(self.root))
        if not plan.steps:
            plan.add(f"nothing to remove: rfsync is not installed for Houdini {self.version} here", lambda: None)
        return plan

    def cleanup(self) -> None:
        """Remove half-built staging folders after a failed install."""
        if self.pref_dir.exists():
            for leftover in self.pref_dir.glob(".rfsync.new-*"):
                shutil.rmtree(leftover, ignore_errors=True)


def add_houdini_arguments(parser: argparse.ArgumentParser) -> None:
    """The "Houdini" argument group (``--houdini`` and its options)."""
    group = parser.add_argument_group("Houdini")
    group.add_argument("--houdini", action="store_true",
                       help="install the Houdini package (RFSync menu, rfsync_submit ROP, hython batch)")
    group.add_argument("--houdini-version", action="append", choices=sorted(HOUDINI_PYTHON),
                       help="Houdini version(s) to set up (default: those whose preference folder exists, "
                            "else all supported)")
    group.add_argument("--houdini-pref-dir",
                       help="Houdini's user preference folder (default: $HOUDINI_USER_PREF_DIR or the OS "
                            "default, e.g. ~/houdini20.5); needs exactly one --houdini-version")
    group.add_argument("--houdini-python",
                       help="install dependencies with this Python's own pip (e.g. $HFS/python/bin/python3)")
    group.add_argument("--houdini-no-deps", action="store_true",
                       help="don't install dependencies (keep those of an earlier install)")


def houdini_installers(args: argparse.Namespace) -> List[HoudiniInstaller]:
    """One installer per Houdini version the arguments select."""
    versions: List[str] = list(args.houdini_version or [])
    if args.houdini_pref_dir:
        if len(versions) != 1:
            raise InstallError("--houdini-pref-dir needs exactly one --houdini-version (each version has its "
                               "own preference folder)")
        targets = {versions[0]: Path(args.houdini_pref_dir).expanduser()}
    else:
        if not versions:
            existing = [v for v in HOUDINI_PYTHON if default_houdini_pref_dir(v).is_dir()]
            versions = existing or sorted(HOUDINI_PYTHON)
        targets = {v: default_houdini_pref_dir(v) for v in versions}
    return [HoudiniInstaller(p.resolve() if p.exists() else p.absolute(), v, deps=not args.houdini_no_deps,
                             python=args.houdini_python) for v, p in targets.items()]


def run_houdini(args: argparse.Namespace, out: Callable[[str], None] = print) -> int:
    """Install or uninstall (``args.uninstall``) the Houdini package; ``args.dry_run`` only prints."""
    try:
        installers = houdini_installers(args)
        for installer in installers:
            plan = installer.plan_uninstall() if args.uninstall else installer.plan_install()
            try:
                plan.execute(args.dry_run, out)
            except BaseException:
                installer.cleanup()  # no half-built plugin folder left behind
                raise
    except (InstallError, OSError) as err:
        print(f"install.py: error: {err}", file=sys.stderr)
        return 1
    if not args.dry_run:
        files = ", ".join(str(i.package_file) for i in installers)
        if args.uninstall:
            out(f"rfsync removed from Houdini ({files}). Restart Houdini.")
        else:
            out(f"rfsync installed for Houdini: {files}. Restart Houdini: an 'RFSync' menu and the "
                "'RFSync Submit' ROP appear; batch: hython -m rfsync_houdini HIP")
    return 0


# -- Katana -----------------------------------------------------------------------------------------

KATANA_PYTHON: Dict[str, str] = {"6.5": "3.9", "7.0": "3.10", "7.5": "3.10", "8.0": "3.11"}
"""Katana version → its Python (hosts.md: 6.5 = 3.9 is 3rd-party; 7.x = 3.10 and 8.x = 3.11 unconfirmed).
``--katana-python`` (that Katana's own Python) avoids relying on this table."""

KATANA_LAUNCHER = "rfsync-katana"


def default_katana_install_dir(environ: Optional[Dict[str, str]] = None, platform: Optional[str] = None) -> Path:
    """Per-user data folder for rfsync's Katana resources (never Katana's installation, no startup file)."""
    env = os.environ if environ is None else environ
    plat = platform or sys.platform
    home = Path(env.get("USERPROFILE") or env.get("HOME") or Path.home()) if plat.startswith("win") else \
        Path(env.get("HOME") or Path.home())
    if plat.startswith("win"):
        base = Path(env["APPDATA"]) if env.get("APPDATA") else home / "AppData" / "Roaming"
    elif plat == "darwin":
        base = home / "Library" / "Application Support"
    else:
        base = Path(env["XDG_DATA_HOME"]) if env.get("XDG_DATA_HOME") else home / ".local" / "share"
    return base / "rfsync" / "katana"


def _sh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def katana_launcher_text(resources: Path, katana_exe: str, windows: bool) -> str:
    """A launcher that puts ``resources`` first on KATANA_RESOURCES for the Katana it starts, only."""
    if windows:
        for value in (str(resources), katana_exe):
            if any(c in value for c in '%"\r\n'):
                raise InstallError(f"cannot write a .bat launcher for a path containing % or \": {value}")
        lines = [
            "@echo off",
            "rem rfsync for Katana - written by install.py; remove with: python install.py --katana --uninstall",
            "rem Starts Katana with rfsync's resources first on KATANA_RESOURCES (this Katana only).",
            "rem Katana executable: %RFSYNC_KATANA_EXE% if set, else the one chosen at install time.",
            "setlocal",
            f'set "RFSYNC_RESOURCES={resources}"',
            'if defined KATANA_RESOURCES set "RFSYNC_RESOURCES=%RFSYNC_RESOURCES%;%KATANA_RESOURCES%"',
            'set "KATANA_RESOURCES=%RFSYNC_RESOURCES%"',
            f'if not defined RFSYNC_KATANA_EXE set "RFSYNC_KATANA_EXE={katana_exe}"',
            'call "%RFSYNC_KATANA_EXE%" %*',
            "exit /b %ERRORLEVEL%",
        ]
        return "\r\n".join(lines) + "\r\n"
    lines = [
        "#!/bin/sh",
        "# rfsync for Katana - written by install.py; remove with: python install.py --katana --uninstall",
        "# Starts Katana with rfsync's resources first on KATANA_RESOURCES (this Katana only).",
        "# Katana executable: $RFSYNC_KATANA_EXE if set, else the one chosen at install time.",
        f"RFSYNC_RESOURCES={_sh_quote(str(resources))}",
        f"RFSYNC_DEFAULT_KATANA={_sh_quote(katana_exe)}",
        'KATANA_RESOURCES="$RFSYNC_RESOURCES${KATANA_RESOURCES:+:$KATANA_RESOURCES}"',
        "export KATANA_RESOURCES",
        'exec "${RFSYNC_KATANA_EXE:-$RFSYNC_DEFAULT_KATANA}" "$@"',
    ]
    return "\n".join(lines) + "\n"


def katana_env_line(resources: Path, windows: bool) -> str:
    """The one line a user/TD adds to their own Katana environment instead of using the launcher."""
    if windows:
        return f'set "KATANA_RESOURCES={resources};%KATANA_RESOURCES%"'
    return f'export KATANA_RESOURCES="{resources}${{KATANA_RESOURCES:+:$KATANA_RESOURCES}}"'


class KatanaInstaller(HostInstaller):
    """rfsync as a KATANA_RESOURCES folder in a per-user folder, plus a launcher script.

    Layout of ``install_dir``: ``resources/`` (``Startup/init.py``, ``Python/rfsync_katana``,
    ``Python/rfsync_core``, ``deps/pyX.Y`` per Katana Python, ``rfsync_batch.py``),
    ``bin/rfsync-katana`` (``.bat`` on Windows) and the install marker. No startup file of the
    user is edited and no environment variable is set machine-wide.
    """

    name = "katana"

    def __init__(self, install_dir: Path, versions: Sequence[str], deps: bool = True,
                 katana_python: Optional[str] = None, katana_exe: Optional[str] = None,
                 windows: Optional[bool] = None) -> None:
        unknown = [v for v in versions if v not in KATANA_PYTHON]
        if unknown:
            raise InstallError(f"unknown Katana version(s) {', '.join(unknown)}; known: {', '.join(KATANA_PYTHON)}")
        self.install_dir = install_dir
        self.resources = install_dir / "resources"
        self.windows = (os.name == "nt") if windows is None else windows
        self.launcher = install_dir / "bin" / (KATANA_LAUNCHER + (".bat" if self.windows else ""))
        self.versions = list(versions)
        self.deps = deps
        self.katana_python = katana_python
        self.katana_exe = katana_exe or ("katana.exe" if self.windows else "katana")

    def python_versions(self) -> List[str]:
        if self.katana_python:
            return [python_version_of(self.katana_python)]
        return sorted({KATANA_PYTHON[v] for v in self.versions}, key=lambda s: tuple(map(int, s.split("."))))

    def pip_command(self, py: str, target: Path) -> List[str]:
        reqs = project_requirements()
        common = ["-m", "pip", "install", "--disable-pip-version-check", "--no-warn-script-location",
                  "--target", str(target)]
        if self.katana_python:
            return [self.katana_python, *common, *reqs]
        return [sys.executable, *common, "--python-version", py, "--only-binary=:all:", "--implementation", "cp",
                *reqs]

    def env_line(self) -> str:
        return katana_env_line(self.resources, self.windows)

    def _build(self, staging: Path) -> None:
        shutil.copytree(REPO / "plugins" / "katana" / "resources", staging / "resources", ignore=_ignore)
        shutil.copytree(REPO / "rfsync_core", staging / "resources" / "Python" / "rfsync_core", ignore=_ignore)
        launcher = staging / "bin" / self.launcher.name
        write_text_atomic(launcher, katana_launcher_text(self.resources, self.katana_exe, self.windows))
        if not self.windows:
            launcher.chmod(0o755)

    def plan_install(self) -> Plan:
        plan = Plan()
        if self.install_dir.exists() and not (self.install_dir / MARKER).exists():
            raise InstallError(f"{self.install_dir} exists and was not made by install.py: move it away first")
        parent = self.install_dir.parent
        tag = uuid.uuid4().hex[:8]
        staging = parent / f".{self.install_dir.name}.new-{tag}"
        old = parent / f".{self.install_dir.name}.old-{tag}"
        plan.add(f"create {parent}", lambda: parent.mkdir(parents=True, exist_ok=True))
        plan.add(f"copy the Katana resources folder, rfsync_core and the {self.launcher.name} launcher into "
                 f"{staging.name}/", lambda: self._build(staging))
        kept: List[str] = []
        if self.deps:
            for py in self.python_versions():
                cmd = self.pip_command(py, staging / "resources" / "deps" / f"py{py}")
                plan.add("install dependencies for Python " + py + ": " + " ".join(cmd), _runner(cmd))
                kept.append(py)
        else:
            for py in sorted({KATANA_PYTHON[v] for v in self.versions}):
                previous = self.resources / "deps" / f"py{py}"
                if previous.is_dir():
                    kept.append(py)
                    plan.add(f"keep the dependencies already installed for Python {py}",
                             _copier(previous, staging / "resources" / "deps" / f"py{py}"))
        marker = {"version": VERSION, "source": str(REPO), "host": "katana", "katana_versions": self.versions,
                  "python_versions": sorted(kept), "launcher": str(self.launcher)}
        plan.add(f"write {MARKER}", lambda: write_text_atomic(staging / MARKER, json.dumps(marker, indent=2)))

        def swap() -> None:
            if self.install_dir.exists():
                os.replace(self.install_dir, old)
            os.replace(staging, self.install_dir)
            if old.exists():
                shutil.rmtree(old)

        plan.add(f"put the folder in place: {self.install_dir} (KATANA_RESOURCES entry: {self.resources})", swap)
        return plan

    def plan_uninstall(self) -> Plan:
        plan = Plan()
        if self.install_dir.exists():
            if not (self.install_dir / MARKER).exists():
                raise InstallError(f"{self.install_dir} was not made by install.py: not removing it")
            plan.add(f"remove {self.install_dir}", lambda: shutil.rmtree(self.install_dir))
        else:
            plan.add("nothing to remove: rfsync is not installed for Katana here", lambda: None)
        return plan

    def cleanup_staging(self) -> None:
        """Remove half-built staging folders after a failed install."""
        parent = self.install_dir.parent
        if parent.exists():
            for leftover in parent.glob(f".{self.install_dir.name}.new-*"):
                shutil.rmtree(leftover, ignore_errors=True)


def add_katana_arguments(parser: argparse.ArgumentParser) -> None:
    """``--katana`` and its options (``--uninstall``, ``--dry-run`` and ``--no-deps`` are shared)."""
    katana = parser.add_argument_group("Katana")
    katana.add_argument("--katana", action="store_true",
                        help="install the Katana resources folder (RFSync menu, batch) and a launcher")
    katana.add_argument("--katana-install-dir",
                        help="where rfsync's Katana folder goes (default: a per-user data folder, e.g. "
                             "~/.local/share/rfsync/katana)")
    katana.add_argument("--katana-version", action="append", choices=sorted(KATANA_PYTHON),
                        help="Katana version(s) whose Python gets the dependencies (default: all supported)")
    katana.add_argument("--katana-python", help="install dependencies with this Katana Python's own pip")
    katana.add_argument("--katana-no-deps", action="store_true",
                        help="don't install dependencies for Katana (keep those of an earlier install)")
    katana.add_argument("--katana-exe", help="the Katana executable the launcher starts (default: katana on PATH; "
                                             "RFSYNC_KATANA_EXE overrides it at launch)")


def katana_installer_from_args(args: argparse.Namespace) -> KatanaInstaller:
    folder = Path(args.katana_install_dir).expanduser() if args.katana_install_dir else default_katana_install_dir()
    no_deps = bool(args.katana_no_deps or getattr(args, "no_deps", False))
    return KatanaInstaller(folder.resolve() if folder.exists() else folder.absolute(),
                           args.katana_version or sorted(KATANA_PYTHON), deps=not no_deps,
                           katana_python=args.katana_python, katana_exe=args.katana_exe)


def run_katana(args: argparse.Namespace) -> int:
    """``install.py --katana [--uninstall] [--dry-run]``: build the plan, run it, say how to start Katana."""
    try:
        installer = katana_installer_from_args(args)
        plan = installer.plan_uninstall() if args.uninstall else installer.plan_install()
        try:
            plan.execute(args.dry_run)
        except BaseException:
            installer.cleanup_staging()  # no half-built folder left behind
            raise
    except (InstallError, OSError) as err:
        print(f"install.py: error: {err}", file=sys.stderr)
        return 1
    if args.dry_run:
        return 0
    if args.uninstall:
        print("rfsync removed for Katana. If you added rfsync's folder to KATANA_RESOURCES yourself, remove it.")
        return 0
    print(f"rfsync installed for Katana in {installer.install_dir}.")
    print(f"Start Katana with rfsync: {installer.launcher}  (batch: katana --script "
          f"{installer.resources / 'rfsync_batch.py'} PROJECT)")
    print("Or add this line to your own Katana environment (nothing was changed for you):")
    print(f"    {installer.env_line()}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Install rfsync into host applications for this user.")
    parser.add_argument("--maya", action="store_true", help="install the Maya module (menu, shelf, batch)")
    parser.add_argument("--uninstall", action="store_true",
                        help="remove what --maya / --houdini / --katana installed")
    parser.add_argument("--dry-run", action="store_true", help="show what would be done, change nothing")
    maya = parser.add_argument_group("Maya")
    maya.add_argument("--maya-app-dir", help="Maya's user folder (default: $MAYA_APP_DIR or the OS default)")
    maya.add_argument("--maya-modules-dir", help="where the .mod file goes (default: <maya app dir>/modules)")
    maya.add_argument("--maya-version", action="append", choices=sorted(MAYA_PYTHON),
                      help="Maya version(s) to set up (default: all supported)")
    maya.add_argument("--mayapy", help="install dependencies with this mayapy's own pip")
    maya.add_argument("--no-deps", action="store_true",
                      help="don't install dependencies (keep those of an earlier install)")
    add_houdini_arguments(parser)
    add_katana_arguments(parser)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not (args.maya or args.houdini or args.katana):
        parser.error("choose one or more hosts: --maya, --houdini, --katana")
    code = 0
    if args.maya:
        code = run_maya(args)
    if args.houdini:
        code = max(code, run_houdini(args))
    if args.katana:
        code = max(code, run_katana(args))
    return code


def run_maya(args: argparse.Namespace) -> int:
    try:
        modules = Path(args.maya_modules_dir).expanduser() if args.maya_modules_dir else (
            (Path(args.maya_app_dir).expanduser() if args.maya_app_dir else default_maya_app_dir()) / "modules")
        installer = MayaInstaller(modules.resolve() if modules.exists() else modules.absolute(),
                                  args.maya_version or sorted(MAYA_PYTHON), deps=not args.no_deps,
                                  mayapy=args.mayapy)
        plan = installer.plan_uninstall() if args.uninstall else installer.plan_install()
        try:
            plan.execute(args.dry_run)
        except BaseException:
            if installer.modules_dir.exists():  # no half-built module folder left behind
                for leftover in installer.modules_dir.glob(".rfsync.new-*"):
                    shutil.rmtree(leftover, ignore_errors=True)
            raise
    except (InstallError, OSError) as err:
        print(f"install.py: error: {err}", file=sys.stderr)
        return 1
    if not args.dry_run:
        if args.uninstall:
            print("rfsync removed from Maya. Restart Maya.")
        else:
            print(f"rfsync installed for Maya: {installer.mod_file}. Restart Maya: a 'Render Farm' menu and "
                  "shelf appear; batch: mayapy -m rfsync_maya SCENE")
    return 0


if __name__ == "__main__":
    sys.exit(main())
