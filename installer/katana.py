"""Katana: a ``KATANA_RESOURCES`` folder in a per-user place, and a launcher that adds it for the Katana
it starts only (the user's environment and startup files are never touched)."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import uuid
from pathlib import Path
from typing import Dict, List, Optional, Sequence

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


def katana_qt_binding(versions: Sequence[str]) -> Optional[str]:
    """The Qt binding of these Katana versions when they share one, else None.

    hosts.md: Katana up to 7.5 uses PyQt5, 8.0 and later PySide6 (the same rule as the plugin's
    ``rfsync_katana.qtbinding.expected_binding``). The launcher hands it to Qt.py as
    ``QT_PREFERRED_BINDING`` so Qt.py cannot pick another binding that happens to be importable.
    """
    bindings = {"PySide6" if int(v.split(".")[0]) >= 8 else "PyQt5" for v in versions}
    return bindings.pop() if len(bindings) == 1 else None


def katana_launcher_text(resources: Path, katana_exe: str, windows: bool, qt_binding: Optional[str] = None) -> str:
    """A launcher that puts ``resources`` first on KATANA_RESOURCES for the Katana it starts, only;
    with ``qt_binding``, it also sets ``QT_PREFERRED_BINDING`` for that Katana unless the caller did."""
    if qt_binding is not None and qt_binding not in ("PyQt5", "PySide6"):
        raise InstallError(f"unknown Qt binding {qt_binding!r}")
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
            *([f'if not defined QT_PREFERRED_BINDING set "QT_PREFERRED_BINDING={qt_binding}"'] if qt_binding else []),
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
        *([f'QT_PREFERRED_BINDING="${{QT_PREFERRED_BINDING:-{qt_binding}}}"', "export QT_PREFERRED_BINDING"]
          if qt_binding else []),
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
        return pip_command(self.katana_python, py, target)

    def env_line(self) -> str:
        return katana_env_line(self.resources, self.windows)

    def _build(self, staging: Path) -> None:
        shutil.copytree(REPO / "plugins" / "katana" / "resources", staging / "resources", ignore=_ignore)
        shutil.copytree(REPO / "rfsync_core", staging / "resources" / "Python" / "rfsync_core", ignore=_ignore)
        launcher = staging / "bin" / self.launcher.name
        write_text_atomic(launcher, katana_launcher_text(self.resources, self.katana_exe, self.windows,
                                                            katana_qt_binding(self.versions)))
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
                        help="Katana version(s) whose Python gets the dependencies (default: all supported); "
                             "versions sharing a Qt binding also let the launcher set it for Qt.py")
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
