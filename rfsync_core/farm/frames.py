"""Frame lists of ``task.json`` (docs/farm-protocol.md §3): ``"1-10"``, ``"1-10x2"``, ``"1,5,7-9"``."""

from __future__ import annotations

import re
from typing import List, Sequence, Union

__all__ = ["MAX_FRAMES", "expand_frames"]

_FRAME_ITEM = re.compile(r"^\s*(-?\d+)\s*(?:-\s*(-?\d+)\s*(?:[xX:]\s*(\d+)\s*)?)?$")
MAX_FRAMES = 1_000_000
"""A typo such as ``1-1000000000`` must fail, not fill the memory."""


def expand_frames(spec: Union[str, Sequence[int]]) -> List[str]:
    """A frame list (``"1-10"``, ``"1-10x2,15"``, ``[1, 2]``) as frame strings, first appearance order."""
    out: List[str] = []
    seen = set()

    def add(n: int) -> None:
        if n not in seen:
            if len(out) >= MAX_FRAMES:
                raise ValueError(f"more than {MAX_FRAMES} frames")
            seen.add(n)
            out.append(str(n))

    if isinstance(spec, str):
        for item in spec.split(","):
            if not item.strip():
                continue
            m = _FRAME_ITEM.match(item)
            if not m:
                raise ValueError(f"bad frame list item {item.strip()!r} (use N, A-B or A-BxSTEP)")
            start = int(m.group(1))
            end = int(m.group(2)) if m.group(2) is not None else start
            step = int(m.group(3)) if m.group(3) else 1
            if step <= 0 or end < start:
                raise ValueError(f"bad frame range {item.strip()!r}")
            for n in range(start, end + 1, step):
                add(n)
    else:
        for n in spec:
            if isinstance(n, bool) or not isinstance(n, int):
                raise ValueError(f"bad frame {n!r} (frames are integers)")
            add(n)
    if not out:
        raise ValueError("the frame list is empty")
    return out
