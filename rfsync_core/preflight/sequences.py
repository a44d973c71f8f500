"""Numbered file sets (frame sequences, UDIM tiles) and their gaps, from the expanded file list alone.

Why from names: a manifest lists the files a pattern expanded to, not the pattern; a frame the render
needs is missing exactly when its number is absent from its set.
"""

from __future__ import annotations

import os
import re
from typing import Collection, Dict, Iterable, List, Optional, Tuple

from .model import ERROR, WARNING, Finding

__all__ = ["SequenceGroups"]

_NUMBERED = re.compile(r"^(?P<pre>.*?)(?P<num>\d+)(?P<post>\D*)\Z")
_MIN_MEMBERS = 3
"""Fewer numbered files than this are versions or takes, not a sequence."""
_SHOWN = 8


def _numbers_text(numbers: List[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:_SHOWN])
    return shown + (f" … ({len(numbers)} in all)" if len(numbers) > _SHOWN else "")


class SequenceGroups:
    """Collects files by (folder, prefix, suffix, digit count) and reports the holes of each set."""

    def __init__(self) -> None:
        self._groups: Dict[Tuple[str, str, str, int], Dict[int, str]] = {}

    def add(self, path: str) -> None:
        folder, name = os.path.split(path)
        m = _NUMBERED.match(name)
        if m is None:
            return
        digits = m.group("num")
        self._groups.setdefault((folder, m.group("pre"), m.group("post"), len(digits)), {})[int(digits)] = path

    def findings(self, frames: Optional[Collection[int]]) -> Iterable[Finding]:
        needed = None if frames is None else {int(f) for f in frames}
        for (folder, pre, post, width), members in sorted(self._groups.items()):
            if len(members) < _MIN_MEMBERS:
                continue
            numbers = sorted(members)
            pattern = os.path.join(folder, f"{pre}{'#' * width}{post}")
            udim = width == 4 and numbers[0] >= 1001 and numbers[-1] <= 1999
            if needed is not None and not udim and needed & members.keys():
                lost = sorted(needed - members.keys())
                if lost:
                    yield Finding(ERROR, "frames_missing", (pattern,),
                                  f"frames {_numbers_text(lost)} the render needs are not on disk: those frames "
                                  "fail or render without it on the farm; render or copy them first")
                continue
            if needed is not None and not udim:
                continue  # a numbered set the render's frames do not touch
            holes = sorted(set(range(numbers[0], numbers[-1] + 1)) - members.keys())
            if not holes:
                continue
            what, code = ("tiles", "udim_gap") if udim else ("numbers", "sequence_gap")
            yield Finding(WARNING, code, (pattern,),
                          f"{what} {_numbers_text(holes)} are missing between {numbers[0]} and {numbers[-1]}: "
                          f"the farm renders without them; add them if the scene uses them")
