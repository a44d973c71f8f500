"""rfsync for Katana: collect a project's files, upload them to the render farm, submit.

Thin on purpose: this package makes Katana API calls (``NodegraphAPI``, ``KatanaFile``,
``FarmAPI``, ``UI4``) and hands everything else to ``rfsync_core`` and the shared panel in
``rfsync_core.ui``. Entry points: ``Startup/init.py`` of the resources folder (calls
:func:`rfsync_katana.startup.register_callbacks`), :mod:`rfsync_katana.actions` (what the
"RFSync" menu runs) and ``katana --script rfsync_batch.py PROJECT`` (:mod:`rfsync_katana.batch`).
"""

from __future__ import annotations

from rfsync_core import __version__ as __version__  # one version for the engine and its plugins

MENU_NAME = "rfsyncMenu"
"""objectName of our QMenu in Katana's menu bar (how a re-install finds and replaces it)."""
MENU_TITLE = "RFSync"
