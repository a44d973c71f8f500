"""rfsync's third-party libraries inside a host's Python: where they come from and whether they will do.

Inside Maya, Houdini and Katana, rfsync's libraries live in their own folder, ``<install root>/deps/pyX.Y``
(filled by ``install.py``), which only rfsync's plugin packages append to ``sys.path`` — *after* the host's
site-packages. A library the host ships itself (``requests``, ``urllib3``, …) so stays the one every tool of
the host imports; ours only fill the gaps. PYTHONPATH could not do that: its entries come before
site-packages whatever the method (docs.python.org, "The initialization of the sys.path module search
path"). The install root is the folder that holds the plugin's code folder (``scripts/`` for Maya,
``python/`` for Houdini, ``Python/`` for Katana): one layout, one function for all three.

Standard library only, and no import of what it checks: it runs before those libraries are importable,
and importing ``urllib3`` 2.x on an old OpenSSL raises.
"""

from __future__ import annotations

import importlib.util
import os
import re
import sys
from typing import Dict, List, Optional, Tuple

__all__ = ["MINIMUM_VERSIONS", "dependency_folder", "dependency_problems", "import_error_message",
           "use_host_dependencies"]

MINIMUM_VERSIONS: Dict[str, Tuple[str, str]] = {
    "requests": ("requests", "2.28"),
    "urllib3": ("urllib3", "1.26"),
    "requests-aws4auth": ("requests_aws4auth", "1.2"),
    "tenacity": ("tenacity", "8.2"),
    "fastjsonschema": ("fastjsonschema", "2.16"),
    "Qt.py": ("Qt", "1.4"),
}
"""Distribution → (import name, lowest version), as pyproject.toml requires them (a test keeps them equal)."""


def dependency_folder(root: str, python: Optional[str] = None) -> str:
    """``<root>/deps/pyX.Y``: the folder install.py fills with rfsync's libraries for Python X.Y."""
    return os.path.join(root, "deps", "py" + (python or "{}.{}".format(*sys.version_info[:2])))


def _release(version: str) -> Tuple[int, ...]:
    m = re.match(r"\d+(?:\.\d+)*", version.strip())
    return tuple(int(x) for x in m.group(0).split(".")) if m else ()


def _found(dist: str, module: str) -> Tuple[Optional[str], Optional[str]]:
    """(version, folder) of the copy ``import module`` would load, without importing it; (None, None) if none."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.origin:
        return None, None
    origin = spec.origin
    folder = os.path.dirname(os.path.dirname(origin) if spec.submodule_search_locations else origin)
    want = _normal(dist)
    try:
        entries = os.listdir(folder)
    except OSError:
        entries = []
    for entry in entries:  # <name>-<version>.dist-info (or .egg-info) beside the package: no metadata scan
        stem, ext = os.path.splitext(entry)
        parts = stem.split("-")
        if ext in (".dist-info", ".egg-info") and len(parts) >= 2 and _normal(parts[0]) == want:
            return parts[1], folder
    return "", folder  # found, version unknown (no metadata beside it)


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def dependency_problems(host: str) -> List[str]:
    """One line per library that is missing or older than rfsync needs, naming the copy found."""
    problems = []
    for dist, (module, lowest) in MINIMUM_VERSIONS.items():
        version, folder = _found(dist, module)
        if version is None:
            problems.append(f"rfsync needs {dist} >= {lowest}; {host}'s Python has none "
                            "(install rfsync with install.py, which puts it in rfsync's own folder)")
        elif version and _release(version) < _release(lowest):
            problems.append(f"rfsync needs {dist} >= {lowest}; {host}'s Python has {version} at {folder}")
    return problems


def use_host_dependencies(package_file: str, host: str) -> List[str]:
    """Append this install's dependency folder to ``sys.path`` (last, once) and return
    :func:`dependency_problems`. ``package_file`` is the plugin package's ``__init__.py``."""
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(package_file))))
    folder = dependency_folder(root)
    if os.path.isdir(folder) and folder not in sys.path:
        sys.path.append(folder)
    return dependency_problems(host)


def import_error_message(err: ImportError) -> str:
    """The one line for a failed ``import requests``, naming the likely cause: urllib3 2.x on an OpenSSL
    older than 1.1.1 (aws-deadline/deadline-cloud-for-maya issue #133), or an ssl module that does not load."""
    text = " ".join(str(err).split())
    fix = "reinstall rfsync with install.py for this host"
    try:
        import ssl
    except ImportError as ssl_err:
        return f"rfsync cannot load requests ({text}): this Python's ssl module does not load ({ssl_err}); {fix}"
    version, folder = _found("urllib3", "urllib3")
    if "OpenSSL 1.1.1" in text or (ssl.OPENSSL_VERSION_INFO < (1, 1, 1) and _release(version or "2") >= (2,)):
        where = f"urllib3 {version} at {folder}" if version else "urllib3 2.x"
        return (f"rfsync cannot load requests ({text}): {where} needs OpenSSL >= 1.1.1 and this Python has "
                f"{ssl.OPENSSL_VERSION}; {fix} (it installs urllib3 < 2 for such a Python)")
    return f"rfsync cannot load requests ({text}): {fix}"
