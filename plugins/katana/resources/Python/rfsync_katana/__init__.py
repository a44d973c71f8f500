"""rfsync for Katana: collect a project's files, upload them to the render farm, submit.

Thin on purpose: this package makes Katana API calls (``NodegraphAPI``, ``KatanaFile``,
``FarmAPI``, ``UI4``) and hands everything else to ``rfsync_core`` and the shared panel in
``rfsync_core.ui``. Entry points: ``Startup/init.py`` of the resources folder (calls
:func:`rfsync_katana.startup.register_callbacks`), :mod:`rfsync_katana.actions` (what the
"RFSync" menu runs) and ``katana --script rfsync_batch.py PROJECT`` (:mod:`rfsync_katana.batch`).
"""

from __future__ import annotations

import sys

from .paths import use_checkout

use_checkout()  # a repository checkout: its rfsync_core, before the import below (an install: nothing to do)

from rfsync_core import __version__ as __version__  # noqa: E402  (one version for the engine and its plugins)
from rfsync_core import use_host_dependencies  # noqa: E402

DEPENDENCY_PROBLEMS = use_host_dependencies(__file__, "Katana")
"""rfsync's libraries come from Katana's own site-packages first and from the install's ``deps/pyX.Y`` (appended
to ``sys.path`` here, before anything imports them) only where Katana has none; one line per library that is
missing or too old, printed once at import."""
for _line in DEPENDENCY_PROBLEMS:
    print("rfsync: " + _line, file=sys.stderr)

MENU_NAME = "rfsyncMenu"
"""objectName of our QMenu in Katana's menu bar (how a re-install finds and replaces it)."""
MENU_TITLE = "RFSync"
