"""What every host's installer shares: plans of named steps (printed by ``--dry-run``), atomic writes,
pip runs for a host's Python, and the :class:`HostInstaller` base."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional, Tuple

REPO = Path(__file__).resolve().parents[1]


def _read_version() -> str:
    """The engine's version, read from its one source without importing the package."""
    text = (REPO / "rfsync_core" / "_version.py").read_text(encoding="utf-8")
    m = re.search(r'^__version__ = "([^"]+)"', text, re.M)
    if not m:
        raise RuntimeError(f"{REPO / 'rfsync_core' / '_version.py'}: no __version__ line")
    return m.group(1)


VERSION = _read_version()


MARKER = "rfsync-install.json"


UI_REQUIREMENTS = ["Qt.py>=1.4"]


class InstallError(Exception):
    """A one-line reason the install cannot go on."""


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
    """Through the engine's one atomic writer (standard library only, so importable before installing)."""
    from rfsync_core._files import write_atomic

    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(str(path), text)


def _ignore(_dir: str, names: List[str]) -> List[str]:
    return [n for n in names if n in ("__pycache__", ".mypy_cache", ".ruff_cache") or n.endswith(".pyc")]


class HostInstaller:
    """Base for one host: builds a :class:`Plan` for install or uninstall."""

    name = ""

    def plan_install(self) -> Plan:
        raise NotImplementedError

    def plan_uninstall(self) -> Plan:
        raise NotImplementedError


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


def openssl_of(python: str) -> Optional[Tuple[int, int, int]]:
    """The OpenSSL that ``python``'s ssl module is built with, or None when it cannot tell (no ssl module,
    an answer that is not a version)."""
    try:
        out = run_command([python, "-c", "import ssl; print('%d.%d.%d' % ssl.OPENSSL_VERSION_INFO[:3])"]).strip()
    except InstallError:
        return None
    m = re.fullmatch(r"(\d+)\.(\d+)\.(\d+)", out)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def host_requirements(python: Optional[str]) -> List[str]:
    """What pip installs for a host: :func:`project_requirements`, plus ``urllib3<2`` unless ``python`` (the
    host's own) has OpenSSL >= 1.1.1 — urllib3 2.x refuses to import on older ones (hosts.md "Learned
    since"; aws-deadline/deadline-cloud-for-maya issue #133), and without the host's Python we cannot tell."""
    reqs = project_requirements()
    openssl = openssl_of(python) if python else None
    if openssl is None or openssl < (1, 1, 1):
        reqs.append("urllib3<2")
    return reqs


def pip_command(python: Optional[str], py: str, target: Path) -> List[str]:
    """pip installing :func:`host_requirements` into ``target``: with the host's own Python when given,
    else with this one for Python ``py`` (``--python-version``, wheels only)."""
    common = ["-m", "pip", "install", "--disable-pip-version-check", "--no-warn-script-location",
              "--target", str(target)]
    if python:
        return [python, *common, *host_requirements(python)]
    return [sys.executable, *common, "--python-version", py, "--only-binary=:all:", "--implementation", "cp",
            *host_requirements(None)]


def python_version_of(python: str) -> str:
    out = run_command([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"]).strip()
    if not re.fullmatch(r"3\.\d+", out):
        raise InstallError(f"{python} reported an unexpected Python version: {out!r}")
    return out
