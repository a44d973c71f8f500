"""Make rfsync_core importable inside Katana when running from a repository checkout.

Layout of the resources folder (an install made by ``install.py --katana``)::

    resources/Startup/init.py          Katana runs it at launch
    resources/Python/rfsync_katana/    this package
    resources/Python/rfsync_core/      the engine (copied by install.py)
    resources/deps/py3.X/              requests, Qt.py… for Katana's Python 3.X (pip --target)

In a checkout (``KATANA_RESOURCES=<repo>/plugins/katana/resources``) ``rfsync_core`` sits three folders
above ``resources`` instead: :func:`use_checkout` puts that checkout first on ``sys.path``, from the
package's ``__init__`` before it imports ``rfsync_core`` (so an installed copy elsewhere never wins over
the checkout being run). The dependencies are appended by ``import rfsync_katana`` too (the same
``rfsync_core.use_host_dependencies`` as Maya's and Houdini's plugins): after Katana's own site-packages,
so a package Katana ships itself wins and ours only fill the gaps. Standard library only; nothing is
written to ``os.environ``.
"""

from __future__ import annotations

import os
import sys
from typing import Optional


def checkout_root(resources_dir: str) -> Optional[str]:
    """The repository root when ``resources_dir`` is a checkout's (no rfsync_core installed beside it)."""
    repo = os.path.normpath(os.path.join(resources_dir, os.pardir, os.pardir, os.pardir))
    installed_core = os.path.join(resources_dir, "Python", "rfsync_core", "__init__.py")
    if not os.path.isfile(installed_core) and os.path.isfile(os.path.join(repo, "rfsync_core", "__init__.py")):
        return repo
    return None


def use_checkout() -> Optional[str]:
    """Put this package's checkout root first on ``sys.path`` (once); returns it, or None for an install."""
    resources = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    repo = checkout_root(resources)
    if repo is not None and (not sys.path or sys.path[0] != repo):
        if repo in sys.path:
            sys.path.remove(repo)
        sys.path.insert(0, repo)
    return repo
