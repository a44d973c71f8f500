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

def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Install rfsync into host applications for this user.")
    parser.add_argument("--maya", action="store_true", help="install the Maya module (menu, shelf, batch)")
    parser.add_argument("--uninstall", action="store_true", help="remove what --maya installed")
    parser.add_argument("--dry-run", action="store_true", help="show what would be done, change nothing")
    maya = parser.add_argument_group("Maya")
    maya.add_argument("--maya-app-dir", help="Maya's user folder (default: $MAYA_APP_DIR or the OS default)")
    maya.add_argument("--maya-modules-dir", help="where the .mod file goes (default: <maya app dir>/modules)")
    maya.add_argument("--maya-version", action="append", choices=sorted(MAYA_PYTHON),
                      help="Maya version(s) to set up (default: all supported)")
    maya.add_argument("--mayapy", help="install dependencies with this mayapy's own pip")
    maya.add_argument("--no-deps", action="store_true",
                      help="don't install dependencies (keep those of an earlier install)")
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.maya:
        parser.error("choose a host: --maya (Houdini and Katana come later)")
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
