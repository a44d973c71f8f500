"""rfsync_core.deps: the dependency check a host plugin runs at import, and the one line a transfer gives when
``requests`` cannot load (issue 11 points 4 and 5).

Real imports in fresh subprocesses, with planted packages first on ``sys.path`` (a host's old ``requests``; an
``urllib3`` that raises what urllib3 2.x raises on OpenSSL < 1.1.1) — nothing of ours is mocked.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

from testpaths import REPO

from rfsync_core.deps import MINIMUM_VERSIONS

URLLIB3_2_ON_OLD_OPENSSL = (
    # what urllib3 2.x's __init__ raises when ssl.OPENSSL_VERSION_INFO < (1, 1, 1) (urllib3 src/urllib3/__init__.py)
    'raise ImportError("urllib3 v2 only supports OpenSSL 1.1.1+, currently the \'ssl\' module is compiled with '
    '\'OpenSSL 1.0.2k-fips  26 Jan 2017\'. See: https://github.com/urllib3/urllib3/issues/2168")\n')


def python(code: List[str], pythonpath: List[Path], env: Dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    full = dict(os.environ, **env, PYTHONPATH=os.pathsep.join(str(p) for p in [*pythonpath, REPO]))
    return subprocess.run([sys.executable, *code], env=full, capture_output=True, text=True, timeout=120,
                          cwd=str(cwd))


def test_minimum_versions_are_pyprojects() -> None:
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    block = re.search(r"^dependencies\s*=\s*\[(.*?)\]", text, re.S | re.M)
    assert block is not None
    required = dict(re.findall(r'"([A-Za-z0-9_.-]+)>=([0-9.]+)"', block.group(1)))
    required.pop("tqdm")  # the command line's bars: never used inside a host
    required["Qt.py"] = re.search(r'^ui = \["Qt\.py>=([0-9.]+)"\]', text, re.M).group(1)  # type: ignore[union-attr]
    assert {dist: lowest for dist, (_module, lowest) in MINIMUM_VERSIONS.items()} == required


def test_an_old_host_library_is_named_in_one_line_with_where_it_is(tmp_path: Path) -> None:
    host = tmp_path / "host-site-packages"
    (host / "requests").mkdir(parents=True)
    (host / "requests" / "__init__.py").write_text("__version__ = '2.25.1'\n", encoding="utf-8")
    (host / "requests-2.25.1.dist-info").mkdir()
    (host / "requests-2.25.1.dist-info" / "METADATA").write_text("Name: requests\nVersion: 2.25.1\n",
                                                                 encoding="utf-8")
    code = ("from rfsync_core import use_host_dependencies\n"
            "print('\\n'.join(use_host_dependencies('/nowhere/scripts/rfsync_maya/__init__.py', 'Maya')))")
    proc = python(["-c", code], [host], {}, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == [f"rfsync needs requests >= 2.28; Maya's Python has 2.25.1 at {host}"]


def test_a_missing_library_is_named(tmp_path: Path) -> None:
    code = ("import sys; sys.modules['tenacity'] = None\n"  # an import of it now fails, as when it is absent
            "import importlib.util, rfsync_core.deps as d\n"
            "print('\\n'.join(d.dependency_problems('Houdini')))")
    proc = python(["-c", code], [], {}, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines() == ["rfsync needs tenacity >= 8.2; Houdini's Python has none (install rfsync "
                                        "with install.py, which puts it in rfsync's own folder)"]


def test_first_transfer_with_urllib3_2_on_old_openssl_fails_in_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "host"
    (broken / "urllib3").mkdir(parents=True)
    (broken / "urllib3" / "__init__.py").write_text(URLLIB3_2_ON_OLD_OPENSSL, encoding="utf-8")
    (broken / "urllib3-2.2.1.dist-info").mkdir()
    (broken / "urllib3-2.2.1.dist-info" / "METADATA").write_text("Name: urllib3\nVersion: 2.2.1\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text("x", encoding="utf-8")
    manifest = tmp_path / "upload.json"
    manifest.write_text(json.dumps({"asset": [{"local": str(tmp_path / "a.txt"), "server": "/a.txt"}]}),
                        encoding="utf-8")
    platforms = tmp_path / "platforms.json"
    platforms.write_text(json.dumps({"s3x": {"engine": "s3", "endpoint": "http://127.0.0.1:9", "bucket": "b"}}),
                         encoding="utf-8")
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_DATA_HOME": str(tmp_path / "data"),
           "RFSYNC_PLATFORMS_FILE": str(platforms), "RFSYNC_ACCESS_KEY": "AK", "RFSYNC_SECRET_KEY": "SK"}
    proc = python(["-m", "rfsync_core", "upload", str(manifest), "--platform", "s3x", "--no-db"], [broken], env,
                  tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert "rfsync cannot load requests (urllib3 v2 only supports OpenSSL 1.1.1+" in lines[0]
    assert f"urllib3 2.2.1 at {broken} needs OpenSSL >= 1.1.1" in lines[0]
    assert "install.py" in lines[0] and "urllib3 < 2" in lines[0]
