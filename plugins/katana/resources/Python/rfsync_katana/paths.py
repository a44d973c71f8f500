"""Make rfsync_core and its dependencies importable inside Katana (called by ``Startup/init.py``).

Layout of the resources folder (an install made by ``install.py --katana``)::

    resources/Startup/init.py          Katana runs it at launch
    resources/Python/rfsync_katana/    this package
    resources/Python/rfsync_core/      the engine (copied by install.py)
    resources/deps/py3.X/              requests, Qt.py… for Katana's Python 3.X (pip --target)

In the repository, ``rfsync_core`` sits three folders above ``resources`` instead.
Dependencies are *appended* to ``sys.path``: a package Katana ships itself wins, ours only
fill the gaps. Nothing is written to ``os.environ``.
"""

from __future__ import annotations

import os
import sys
from typing import List


def dependency_dirs(resources_dir: str) -> List[str]:
    """Folders to append to ``sys.path`` for this Python (those that exist)."""
    out = []
    deps = os.path.join(resources_dir, "deps", f"py{sys.version_info[0]}.{sys.version_info[1]}")
    if os.path.isdir(deps):
        out.append(deps)
    repo = os.path.normpath(os.path.join(resources_dir, os.pardir, os.pardir, os.pardir))
    installed_core = os.path.join(resources_dir, "Python", "rfsync_core", "__init__.py")
    if not os.path.isfile(installed_core) and os.path.isfile(os.path.join(repo, "rfsync_core", "__init__.py")):
        out.append(repo)  # running from a checkout: KATANA_RESOURCES=<repo>/plugins/katana/resources
    return out


def add_dependency_paths(resources_dir: str) -> List[str]:
    """Append :func:`dependency_dirs` to ``sys.path`` once; returns the folders added."""
    added = []
    for folder in dependency_dirs(resources_dir):
        if folder not in sys.path:
            sys.path.append(folder)
            added.append(folder)
    return added
