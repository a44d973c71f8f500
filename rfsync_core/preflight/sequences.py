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
    """``4`` / ``3, 4`` / ``3, 4, … (12 in all)``."""
    shown = ", ".join(str(n) for n in numbers[:_SHOWN])
    return shown + (f" … ({len(numbers)} in all)" if len(numbers) > _SHOWN else "")


def _plural(numbers: List[int], word: str) -> str:
    return f"{word}{'' if len(numbers) == 1 else 's'} {_numbers_text(numbers)}"


def _are(numbers: List[int]) -> str:
    return "is" if len(numbers) == 1 else "are"


def _udim_holes(tiles: List[int]) -> List[int]:
    """Tiles missing inside a row of the UDIM grid (1001-1010, 1011-1020, …) between the row's first and
    last tile: a set may skip whole rows or end a row early (a 2×2 layout is 1001, 1002, 1011, 1012)."""
    rows: Dict[int, List[int]] = {}
    for tile in tiles:
        rows.setdefault((tile - 1001) // 10, []).append(tile)
    present = set(tiles)
    return sorted(t for row in rows.values() for t in range(min(row), max(row) + 1) if t not in present)


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
            if needed is not None and needed & members.keys():  # the render's frames: a frame sequence
                lost = sorted(needed - members.keys())
                if lost:
                    yield Finding(ERROR, "frames_missing", (pattern,),
                                  f"{_plural(lost, 'frame')} the render needs {_are(lost)} not on disk: those "
                                  "frames fail or render without it on the farm; render or copy them first")
                continue
            udim = width == 4 and numbers[0] >= 1001 and numbers[-1] <= 1999
            if needed is not None and not udim:
                continue  # a numbered set the render's frames do not touch
            if udim:
                holes, what, code = _udim_holes(numbers), "tile", "udim_gap"
            else:
                holes = sorted(set(range(numbers[0], numbers[-1] + 1)) - members.keys())
                what, code = "number", "sequence_gap"
            if holes:
                yield Finding(WARNING, code, (pattern,),
                              f"{_plural(holes, what)} {_are(holes)} missing between {numbers[0]} and "
                              f"{numbers[-1]}: the farm renders without them; add them if the scene uses them")
