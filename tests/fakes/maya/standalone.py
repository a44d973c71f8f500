"""Fake ``maya.standalone``: initialize switches the fake to batch mode and applies module files.

What ``initialize`` does with modules, as the real mayapy does (hosts.md "Learned since": mayapy applies
module files only inside ``maya.standalone.initialize()`` and only to ``os.environ["PYTHONPATH"]``, not to
``sys.path``; source: masqu3rad3/trigger ``tests/standalone_start.py``, which adds the module folders to
``sys.path`` itself): every ``*.mod`` in ``$MAYA_MODULE_PATH`` whose ``MAYAVERSION`` matches (or has none)
adds its ``scripts/`` folder and its ``PYTHONPATH+:=`` lines to the *environment variable* only. So a
package that only a module provides is not importable before or after ``initialize`` — and
``mayapy -m pkg`` fails with "No module named pkg" before any code runs. Calls are logged.
"""

from __future__ import annotations

import os
import re
from typing import List

from ._state import STATE


def _module_python_paths(version: str) -> List[str]:
    """Folders the matching ``+`` blocks of every module file add to PYTHONPATH (Maya docs "Sample module
    file": ``scripts/`` is added automatically, ``VAR+:=rel`` appends a path relative to the module root)."""
    out: List[str] = []
    for folder in filter(None, os.environ.get("MAYA_MODULE_PATH", "").split(os.pathsep)):
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if not name.endswith(".mod"):
                continue
            with open(os.path.join(folder, name), encoding="utf-8") as fh:
                lines = fh.read().splitlines()
            root = None
            for line in lines:
                header = re.match(r"^\+\s+(.*)$", line)
                if header:
                    words = header.group(1).split()
                    conds = [w for w in words if ":" in w and w.split(":")[0].isupper()]
                    rest = [w for w in words if w not in conds]
                    wanted = all(c.split(":", 1)[1] == version for c in conds if c.startswith("MAYAVERSION:"))
                    root = os.path.normpath(os.path.join(folder, rest[2])) if wanted and len(rest) >= 3 else None
                    if root:
                        out.append(os.path.join(root, "scripts"))
                    continue
                env = re.match(r"^\s*PYTHONPATH\s*\+:=\s*(\S+)\s*$", line)
                if env and root:
                    out.append(os.path.normpath(os.path.join(root, env.group(1))))
    return out


def initialize(name: str = "python") -> None:
    STATE.batch = True
    STATE.initialized = True
    added = _module_python_paths(STATE.version)
    if added:  # the environment variable only: sys.path stays as Python started it
        os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [os.environ.get("PYTHONPATH", ""), *added]))
    STATE.log(f"initialize {name}")


def uninitialize() -> None:
    if not STATE.initialized:
        raise RuntimeError("maya.standalone is not initialized")
    STATE.uninitialized = True
    STATE.log("uninitialize")
