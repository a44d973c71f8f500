"""rfsync for Houdini: collect a hip file's dependencies, upload them to the render farm, submit, download.

Thin on purpose: this package makes ``hou`` calls and hands everything else to
the public façade ``rfsync_core`` and the shared panel in ``rfsync_core.ui``.
Entry points: the "RFSync" main menu (``MainMenuCommon.xml`` → :mod:`.actions`),
the ``rfsync_submit`` ROP (its ``PythonModule`` imports :func:`.rop.callback`),
and ``hython -m rfsync_houdini HIP`` / ``hython <plugin>/python/rfsync_houdini/batch.py HIP`` (batch).
"""

from __future__ import annotations

from rfsync_core import __version__ as __version__  # one version for the engine and its plugins

ROP_TYPE = "rfsync_submit"
"""The submit ROP's operator name (``Driver/rfsync_submit``)."""

MENU_LABEL = "RFSync"
