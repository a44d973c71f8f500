"""Which Qt binding Katana uses, and a check that Qt.py picked that one.

hosts.md: Katana up to 7.5 uses PyQt5, 8.0 and later PySide6; decide by
``int(KatanaInfo.version.split('.')[0]) >= 8``, not by trying imports. Qt.py (2.x) tries
PySide6, PyQt6, PySide2, PyQt5 in that order unless ``QT_PREFERRED_BINDING`` is set. Inside
Katana 8 that finds PySide6 first (right). Inside Katana ≤ 7.5 it finds PyQt5 — unless a
PySide2/PySide6 is also importable there, in which case Qt.py would pick the wrong binding
and our widgets could not live in Katana's window. We never change the environment of the
host, so instead the menu is not created and the message says how to fix it (set
``QT_PREFERRED_BINDING=PyQt5`` where Katana is launched).
"""

from __future__ import annotations

import re
from typing import Optional


def katana_major(version: str) -> Optional[int]:
    """``"6.5v3"`` → 6; None when the string does not start with a number."""
    m = re.match(r"\s*(\d+)", version or "")
    return int(m.group(1)) if m else None


def expected_binding(version: str) -> str:
    major = katana_major(version)
    return "PySide6" if major is not None and major >= 8 else "PyQt5"


def katana_version() -> str:
    import KatanaInfo  # Katana's own module; hosts.md: KatanaInfo.version

    return str(KatanaInfo.version)


def binding_problem() -> Optional[str]:
    """None when Qt.py uses Katana's binding; else a one-line explanation."""
    version = katana_version()
    wanted = expected_binding(version)
    try:
        import Qt
    except ImportError as err:
        return f"rfsync: Qt.py cannot be imported in Katana {version}: {err}"
    used = str(getattr(Qt, "__binding__", ""))
    if used != wanted:
        return (f"rfsync: Qt.py picked {used or 'no binding'} but Katana {version} uses {wanted}; "
                f"launch Katana with QT_PREFERRED_BINDING={wanted} set to use rfsync's menu (the launcher "
                f"of 'install.py --katana --katana-version {version.split('v')[0]}' sets it)")
    return None
