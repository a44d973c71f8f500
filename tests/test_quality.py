"""Project-wide checks: lint, types, the Python 3.9 floor, and the import graph of the engine."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ROOT / "rfsync_core"
# Packages of rfsync_core that are not the engine (tests/test_layout.py holds the whole import rule);
# hosts.py is the old path of the host helpers, a re-export of app/ kept for one release.
NOT_ENGINE = {"app", "ui", "cli", "testing", "hosts.py", "__main__.py"}
FORBIDDEN_IN_ENGINE = ("Qt", "PySide2", "PySide6", "PyQt5", "PyQt6", "shiboken2", "shiboken6", "maya", "hou",
                       "hdefereval", "Katana", "NodegraphAPI", "UI4", "tqdm", "boto3")


def _engine_modules() -> list:
    mods = []
    for path in ENGINE.rglob("*.py"):
        rel = path.relative_to(ENGINE)
        if rel.parts[0] in NOT_ENGINE:
            continue
        mods.append(path)
    return sorted(mods)


def _imports(path: Path) -> set:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(path.relative_to(ENGINE).parent.parts)
                where = f" (in {base or 'rfsync_core'})"
                names.add(("." * node.level) + (node.module or "") + where)
                names.update(("." * node.level) + (node.module or "") + "." + a.name + where for a in node.names)
            if node.module:
                names.add(node.module)
    return names


def test_engine_never_imports_qt_hosts_cli_or_ui() -> None:
    offenders = []
    for path in _engine_modules():
        for name in _imports(path):
            top = name.split(".")[0]
            if top in FORBIDDEN_IN_ENGINE:
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
            segments = name.split(" (in ")[0].lstrip(".").split(".")
            ours = name.startswith(".") or name.startswith("rfsync_core")
            if ours and {"cli", "ui", "farm_emulator"} & set(segments):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert not offenders, "\n".join(offenders)


def test_ruff_clean() -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    proc = subprocess.run([ruff, "check", "--no-cache", "."], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_engine_clean() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-incremental", "rfsync_core"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _python39() -> str | None:
    """A working Python 3.9 interpreter if the machine has one (pyenv's versions folder, or PATH)."""
    candidates = []
    if shutil.which("pyenv"):
        root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip()
        candidates += sorted(Path(root).glob("versions/3.9*/bin/python3.9"))
    if shutil.which("python3.9"):
        candidates.append(Path(shutil.which("python3.9") or ""))
    for candidate in candidates:
        ok = subprocess.run([str(candidate), "-c", "import sys; assert sys.version_info[:2] == (3, 9)"],
                            capture_output=True)
        if ok.returncode == 0:
            return str(candidate)
    return None


def test_runtime_code_compiles_on_python39() -> None:
    """The hosts run Python 3.9: every runtime file must at least parse and compile there."""
    py39 = _python39()
    if py39 is None:
        pytest.skip("no Python 3.9 interpreter on this machine")
    dirs = [str(ROOT / "rfsync_core"), str(ROOT / "plugins"), str(ROOT / "install.py"), str(ROOT / "installer")]
    dirs = [d for d in dirs if Path(d).exists()]
    code = (
        "import sys, pathlib, ast\n"
        "bad = []\n"
        "for arg in sys.argv[1:]:\n"
        "    p = pathlib.Path(arg)\n"
        "    files = [p] if p.is_file() else sorted(p.rglob('*.py'))\n"
        "    for f in files:\n"
        "        try:\n"
        "            compile(f.read_text(encoding='utf-8'), str(f), 'exec')\n"
        "        except SyntaxError as e:\n"
        "            bad.append(f'{f}:{e.lineno}: {e.msg}')\n"
        "print('\\n'.join(bad)); sys.exit(1 if bad else 0)\n"
    )
    proc = subprocess.run([py39, "-c", code, *dirs], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_package_installs_and_runs_the_demo_on_python39(tmp_path: Path) -> None:
    """The real floor: install rfsync into a Python 3.9 venv and run the main job (upload, farm, download)."""
    py39 = _python39()
    if py39 is None:
        pytest.skip("no Python 3.9 interpreter on this machine")
    venv = tmp_path / "venv39"
    subprocess.run([py39, "-m", "venv", str(venv)], check=True, capture_output=True)
    pip = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(ROOT)],
                         capture_output=True, text=True)
    assert pip.returncode == 0, pip.stdout[-2000:] + pip.stderr[-2000:]
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "PATH": f"{venv / 'bin'}:/usr/bin:/bin", "LANG": "C.UTF-8"}
    demo = subprocess.run([str(venv / "bin" / "rfsync"), "demo", "--frames", "3"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    frames = sorted(p.name for p in (home / "renderfarm_sdk").rglob("*.exr") if "farm" not in p.parts)
    assert frames, demo.stdout[-3000:]
