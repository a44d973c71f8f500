"""rfsync for Maya: collect a scene's files, upload them to the render farm, submit, download.

Thin on purpose: this package makes Maya API calls (``maya.cmds``) and hands
everything else to the public façade ``rfsync_core`` and the shared panel in
``rfsync_core.ui``. Entry points: ``rfsync_maya.startup.install()`` (menu and
shelf, interactive sessions only), ``rfsync_maya.actions`` (what the menu and
shelf run) and ``mayapy <module>/rfsync_batch.py SCENE`` (batch: :mod:`.batch`).
"""

from __future__ import annotations

import sys

from rfsync_core import __version__ as __version__  # one version for the engine and its plugins
from rfsync_core import use_host_dependencies

DEPENDENCY_PROBLEMS = use_host_dependencies(__file__, "Maya")
"""rfsync's libraries come from Maya's own site-packages first and from the install's ``deps/pyX.Y`` (appended
to ``sys.path`` here, before anything imports them) only where Maya has none; one line per library that is
missing or too old, printed once at import."""
for _line in DEPENDENCY_PROBLEMS:
    print("rfsync: " + _line, file=sys.stderr)

MENU_NAME = "rfsyncMenu"
MENU_LABEL = "Render Farm"
