"""Houdini: a plugin folder and a package JSON in the user's Houdini preferences, per Houdini version."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import uuid
from pathlib import Path
from typing import Callable, Dict, List, Optional

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

HOUDINI_PYTHON: Dict[str, str] = {"19.5": "3.9", "20.0": "3.10", "20.5": "3.11", "21.0": "3.11"}


"""Houdini version → its Python (hosts.md; 21.0 = 3.11 is unconfirmed). DESIGN §6 supports 19.5–21."""


HOUDINI_PACKAGE = "rfsync.json"


BATCH_SCRIPT = "rfsync_batch.py"
"""The batch entry point at the install root: ``hython <pref>/rfsync/rfsync_batch.py HIP`` (``hython -m`` is
unconfirmed: hosts.md)."""


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


def houdini_package(root: Path) -> Dict[str, object]:
    """The package JSON: only rfsync's own code folder (``python/``: rfsync_houdini, rfsync_core) on
    PYTHONPATH, hpath = root. Never ``deps/``: PYTHONPATH entries come before site-packages with any
    ``method``, so they would replace Houdini's own libraries for every tool; ``rfsync_houdini`` appends
    them to ``sys.path`` itself (``rfsync_core.use_host_dependencies``). The ``method`` is named
    (Houdini's default is unconfirmed)."""
    base = root.as_posix()
    env: List[Dict[str, object]] = [{"PYTHONPATH": {"value": f"{base}/python", "method": "prepend"}}]
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
        return pip_command(self.python, py, target)

    def _build(self, staging: Path) -> None:
        plugin = REPO / "plugins" / "houdini"
        shutil.copytree(plugin / "python" / "rfsync_houdini", staging / "python" / "rfsync_houdini", ignore=_ignore)
        shutil.copytree(REPO / "rfsync_core", staging / "python" / "rfsync_core", ignore=_ignore)
        shutil.copytree(plugin / "otls", staging / "otls", ignore=_ignore)
        shutil.copy2(plugin / "MainMenuCommon.xml", staging / "MainMenuCommon.xml")
        shutil.copy2(plugin / BATCH_SCRIPT, staging / BATCH_SCRIPT)

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
        plan.add(f"copy rfsync_houdini, rfsync_core, the rfsync_submit HDA, MainMenuCommon.xml and {BATCH_SCRIPT} into "
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
        text = json.dumps(houdini_package(self.root), indent=4) + "\n"
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
            # only Houdinis that have run here (their preference folder exists): never create ~/houdiniX.Y
            versions = [v for v in HOUDINI_PYTHON if default_houdini_pref_dir(v).is_dir()]
            if not versions:
                raise InstallError(
                    "no Houdini preference folder found (" + ", ".join(
                        str(default_houdini_pref_dir(v)) for v in sorted(HOUDINI_PYTHON)) +
                    "): start Houdini once, or name it with --houdini-version X.Y")
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
            scripts = ", ".join(f"hython {i.root / BATCH_SCRIPT} HIP" for i in installers)
            out(f"rfsync installed for Houdini: {files}. Restart Houdini: an 'RFSync' menu and the "
                f"'RFSync Submit' ROP appear; batch: {scripts}")
    return 0
