"""Maya: a module folder ``rfsync/`` and a ``rfsync.mod`` beside it, in the user's modules folder.

The folder holds ``scripts/`` (``rfsync_maya`` and a ``userSetup.py`` that only defers the menu/shelf
creation), ``python/`` (``rfsync_core``), ``shelves/`` + ``icons/`` for the shelf, and ``deps/pyX.Y`` with
the dependencies for each Maya Python. Dependencies are installed with pip ``--target`` for each Maya's
Python version (``--python-version X.Y --only-binary=:all:``), or by that Maya's own pip when
``--mayapy`` is given. The user's ``userSetup.py`` and ``Maya.env`` are never touched.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import uuid
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from .common import (
    MARKER,
    REPO,
    VERSION,
    HostInstaller,
    InstallError,
    Plan,
    _copier,
    _ignore,
    _runner,
    pip_command,
    python_version_of,
    write_text_atomic,
)

BATCH_SCRIPT = "rfsync_batch.py"
"""The batch entry point at the module's root: ``mayapy <module>/rfsync_batch.py SCENE`` (mayapy's ``-m``
cannot find a module's packages: hosts.md "Learned since")."""

MAYA_PYTHON: Dict[str, str] = {"2023": "3.9", "2024": "3.10", "2025": "3.11", "2026": "3.11"}


"""Maya version → its Python (DESIGN §6 supports 2023–2026)."""


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


def maya_mod_text(versions: Sequence[str]) -> str:
    """The .mod file: one block per Maya version, adding only rfsync's own code (``python/`` = rfsync_core;
    ``scripts/`` is Maya's automatic). Never ``deps/``: PYTHONPATH entries come before site-packages, so
    they would replace Maya's own libraries for every tool; ``rfsync_maya`` appends them to ``sys.path``
    itself (``rfsync_core.use_host_dependencies``)."""
    lines = ["# rfsync for Maya — written by install.py; remove with: python install.py --maya --uninstall"]
    for version in versions:
        lines += ["", f"+ MAYAVERSION:{version} rfsync {VERSION} rfsync", "PYTHONPATH+:=python"]
    return "\n".join(lines) + "\n"


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
        return pip_command(self.mayapy, py, target)

    def _build_module(self, staging: Path) -> None:
        shutil.copytree(REPO / "plugins" / "maya" / "scripts", staging / "scripts", ignore=_ignore)
        shutil.copy2(REPO / "plugins" / "maya" / BATCH_SCRIPT, staging / BATCH_SCRIPT)
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
        plan.add(f"copy rfsync_maya, userSetup.py, rfsync_batch.py, rfsync_core, shelf and icons into {staging.name}/",
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
        mod_text = maya_mod_text(self.versions)
        plan.add(f"write {self.mod_file} (Maya {', '.join(self.versions)})",
                 lambda: write_text_atomic(self.mod_file, mod_text))
        return plan

    def saved_shelf_files(self) -> Tuple[List[Path], List[Path]]:
        """(ours, kept): the ``shelf_RenderFarm.mel`` files Maya saved from our shelf in each version's
        ``prefs/shelves`` (they would call a removed plugin). A file is ours only when every
        ``shelfButton`` in it runs ``rfsync_maya``; one that also holds a button the artist added is kept
        (removing it would lose their button, and rewriting Maya's MEL is not ours to do)."""
        app_dir = self.modules_dir.parent
        ours: List[Path] = []
        kept: List[Path] = []
        for path in sorted(app_dir.glob("*/prefs/shelves/shelf_RenderFarm.mel")):
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            buttons = re.split(r"\bshelfButton\b", text)[1:]  # one chunk per button, up to the next one
            if any("rfsync_maya" in b for b in buttons):
                (ours if all("rfsync_maya" in b for b in buttons) else kept).append(path)
        return ours, kept

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
        ours, kept = self.saved_shelf_files()
        for shelf in ours:
            plan.add(f"remove the shelf Maya saved from rfsync: {shelf}", shelf.unlink)
        for shelf in kept:
            plan.add(f"keep {shelf}: it also holds buttons you added (delete rfsync's buttons from the "
                     "RenderFarm shelf in Maya, or the file)", lambda: None)
        if not plan.steps:
            plan.add("nothing to remove: rfsync is not installed for Maya here", lambda: None)
        return plan


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
                  f"shelf appear; batch: mayapy {installer.module_root / BATCH_SCRIPT} SCENE")
    return 0


def add_maya_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--maya", action="store_true", help="install the Maya module (menu, shelf, batch)")
    maya = parser.add_argument_group("Maya")
    maya.add_argument("--maya-app-dir", help="Maya's user folder (default: $MAYA_APP_DIR or the OS default)")
    maya.add_argument("--maya-modules-dir", help="where the .mod file goes (default: <maya app dir>/modules)")
    maya.add_argument("--maya-version", action="append", choices=sorted(MAYA_PYTHON),
                      help="Maya version(s) to set up (default: all supported)")
    maya.add_argument("--mayapy", help="install dependencies with this mayapy's own pip")
    maya.add_argument("--no-deps", action="store_true",
                      help="don't install dependencies (keep those of an earlier install)")
