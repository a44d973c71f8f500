"""rfsync's Maya startup hook (part of the rfsync module; the user's own userSetup.py is untouched).

Maya runs every ``userSetup.py`` found on ``sys.path`` during startup, before its
UI exists. This one only queues the creation of the "Render Farm" menu and shelf
for when the UI is ready; in batch sessions (mayapy) nothing is created.
"""

from __future__ import annotations


def _rfsync_startup() -> None:
    try:
        import rfsync_maya.startup

        rfsync_maya.startup.install_deferred()
    except Exception as err:  # never break Maya's startup
        print(f"rfsync: startup failed: {err}")


_rfsync_startup()
del _rfsync_startup
