"""rfsync's Katana startup hook (part of the rfsync KATANA_RESOURCES folder; no user file is edited).

Katana runs ``Startup/init.py`` of every KATANA_RESOURCES folder at launch (3rd-party fact).
This one makes ``rfsync_katana`` (``../Python``) and its dependencies importable, then only
registers callbacks: the "RFSync" menu is created in ``onStartupComplete``, in the GUI only.
It never raises: a broken rfsync must not break Katana's startup.
"""

from __future__ import annotations


def _rfsync_startup() -> None:
    import os
    import sys

    try:
        here = globals().get("__file__")  # how Katana runs this file (and so __file__) is unconfirmed
        candidates = [os.path.dirname(os.path.dirname(os.path.abspath(here)))] if here else []
        candidates += [p for p in os.environ.get("KATANA_RESOURCES", "").split(os.pathsep) if p]
        resources = next((c for c in candidates
                          if os.path.isfile(os.path.join(c, "Python", "rfsync_katana", "__init__.py"))), None)
        if resources is None:
            print("rfsync: Python/rfsync_katana not found beside Startup/init.py: rfsync not loaded")
            return
        python_dir = os.path.join(resources, "Python")
        if python_dir not in sys.path:
            sys.path.insert(0, python_dir)
        from rfsync_katana.startup import register_callbacks

        register_callbacks()
    except Exception as err:  # never break Katana's startup
        print(f"rfsync: startup failed: {err}")


_rfsync_startup()
del _rfsync_startup
