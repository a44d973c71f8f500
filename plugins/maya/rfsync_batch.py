"""rfsync's Maya batch entry point: ``mayapy <this file> SCENE [--submit] [--platform P] [--max-speed KBPS]``.

A script path, not ``mayapy -m rfsync_maya``: mayapy applies module files only inside
``maya.standalone.initialize()`` and then only to ``os.environ["PYTHONPATH"]``, never to ``sys.path``
(hosts.md "Learned since"), so a package that only the module provides cannot be found by ``-m``.
This file sits at the module's root (``<modules>/rfsync/rfsync_batch.py``, written by
``install.py --maya``) and puts the module's code folders first on ``sys.path`` itself (``scripts`` and
``python``); ``import rfsync_maya`` then appends the dependencies of this Python (``deps/pyX.Y``) last,
so mayapy's own packages are never shadowed. In a repository checkout (``plugins/maya/``) it finds the
repository's ``rfsync_core`` instead. Runs at top level; the exit code is :func:`rfsync_maya.batch.main`'s.
"""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))


def _rfsync_paths() -> None:
    """Put rfsync's code folders first on sys.path (its dependencies: ``rfsync_maya``, last)."""
    python = os.path.join(_HERE, "python")
    if not os.path.isdir(os.path.join(python, "rfsync_core")):  # a repository checkout
        python = os.path.normpath(os.path.join(_HERE, os.pardir, os.pardir))
    for folder in (python, os.path.join(_HERE, "scripts")):
        if folder in sys.path:
            sys.path.remove(folder)
        sys.path.insert(0, folder)


_rfsync_paths()

import rfsync_maya  # noqa: E402  (importable only now)
from rfsync_maya.batch import main  # noqa: E402

_FROM = os.path.dirname(os.path.dirname(os.path.abspath(rfsync_maya.__file__)))
print(f"rfsync: rfsync_maya from {_FROM}", file=sys.stderr)
sys.exit(main())
