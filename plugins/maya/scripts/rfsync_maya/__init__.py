"""rfsync for Maya: collect a scene's files, upload them to the render farm, submit, download.

Thin on purpose: this package makes Maya API calls (``maya.cmds``) and hands
everything else to the public façade ``rfsync_core`` and the shared panel in
``rfsync_core.ui``. Entry points: ``rfsync_maya.startup.install()`` (menu and
shelf, interactive sessions only), ``rfsync_maya.actions`` (what the menu and
shelf run) and ``mayapy <module>/rfsync_batch.py SCENE`` (batch: :mod:`.batch`).
"""

from __future__ import annotations

from rfsync_core import __version__ as __version__  # one version for the engine and its plugins

MENU_NAME = "rfsyncMenu"
MENU_LABEL = "Render Farm"
