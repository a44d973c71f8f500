"""Names a farm's file system or renderer may reject: Windows limits and a platform's allowed characters."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Optional, Tuple

__all__ = ["component_fault"]

_RESERVED = frozenset(["CON", "PRN", "AUX", "NUL"] + [f"COM{i}" for i in range(1, 10)]
                      + [f"LPT{i}" for i in range(1, 10)])
"""Device names Windows refuses as a file name, with any extension (Microsoft docs, "Naming Files,
Paths, and Namespaces")."""
_WINDOWS_BAD = re.compile(r'[<>:"|?*\x00-\x1f]')


@lru_cache(maxsize=65536)
def component_fault(name: str, windows: bool, allowed: Optional[str]) -> Optional[Tuple[str, str]]:
    """``(code, why)`` when one path component would be refused, else None (cached: folders repeat)."""
    if windows:
        if name.split(".", 1)[0].rstrip(" ").upper() in _RESERVED:
            return "reserved_name", f"{name!r} is a reserved device name on Windows"
        if name.endswith((".", " ")):
            return "trailing_dot_space", f"{name!r} ends with a dot or a space, which Windows drops"
        bad = _WINDOWS_BAD.search(name)
        if bad:
            return "bad_characters", f"{name!r} holds {bad.group(0)!r}, which Windows does not allow in names"
    if allowed:
        outside = _outside(allowed).search(name)
        if outside:
            return "bad_characters", f"{name!r} holds {outside.group(0)!r}, outside the farm's allowed [{allowed}]"
    return None


@lru_cache(maxsize=16)
def _outside(allowed: str) -> re.Pattern[str]:
    return re.compile(f"[^{allowed}]")
