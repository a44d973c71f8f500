"""rfsync's Houdini batch entry point: ``hython <pref>/rfsync/rfsync_batch.py HIP [--rop PATH] [--submit] …``.

A script path, not ``hython -m rfsync_houdini``: whether hython has applied the package's PYTHONPATH when
``-m`` looks a package up is unconfirmed (hosts.md: "``hython -m module`` is unconfirmed"), while
``hython script.py args`` is what Houdini's docs and the deadline adaptor use. This file sits at the
install root (``<pref>/rfsync/``, written by ``install.py --houdini``) and puts rfsync's code folder
(``python/``: rfsync_houdini, rfsync_core) first on ``sys.path`` itself; ``import rfsync_houdini`` then
appends the dependencies after Houdini's own packages. In a repository checkout (``plugins/houdini/``) it
finds the repository's ``rfsync_core`` instead. Runs at top level; exits through ``hou.exit`` with
:func:`rfsync_houdini.batch.main`'s code (see there for the options and exit codes).
"""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))


def _rfsync_paths() -> None:
    """Put rfsync's code folders first on sys.path (its dependencies: ``rfsync_houdini``, last)."""
    folders = [os.path.join(_HERE, "python")]
    if not os.path.isdir(os.path.join(_HERE, "python", "rfsync_core")):  # a repository checkout
        folders.append(os.path.normpath(os.path.join(_HERE, os.pardir, os.pardir)))
    for folder in reversed(folders):
        if folder in sys.path:
            sys.path.remove(folder)
        sys.path.insert(0, folder)


_rfsync_paths()

import rfsync_houdini  # noqa: E402  (importable only now)
from rfsync_houdini.batch import main_exit  # noqa: E402

_FROM = os.path.dirname(os.path.dirname(os.path.abspath(rfsync_houdini.__file__)))
print(f"rfsync: rfsync_houdini from {_FROM}", file=sys.stderr)
main_exit()
