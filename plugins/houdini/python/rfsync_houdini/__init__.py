"""rfsync for Houdini: collect a hip file's dependencies, upload them to the render farm, submit, download.

Thin on purpose: this package makes ``hou`` calls and hands everything else to
the public façade ``rfsync_core`` and the shared panel in ``rfsync_core.ui``.
Entry points: the "RFSync" main menu (``MainMenuCommon.xml`` → :mod:`.actions`),
the ``rfsync_submit`` ROP (its ``PythonModule`` imports :func:`.rop.callback`),
and ``hython <pref>/rfsync/rfsync_batch.py HIP`` (batch: :mod:`.batch`).
"""

from __future__ import annotations

import sys

from rfsync_core import __version__ as __version__  # one version for the engine and its plugins
from rfsync_core import use_host_dependencies

DEPENDENCY_PROBLEMS = use_host_dependencies(__file__, "Houdini")
"""rfsync's libraries come from Houdini's own site-packages first and from the install's ``deps/pyX.Y`` (appended
to ``sys.path`` here, before anything imports them) only where Houdini has none; one line per library that is
missing or too old, printed once at import."""
for _line in DEPENDENCY_PROBLEMS:
    print("rfsync: " + _line, file=sys.stderr)

ROP_TYPE = "rfsync_submit"
"""The submit ROP's operator name (``Driver/rfsync_submit``)."""

MENU_LABEL = "RFSync"
