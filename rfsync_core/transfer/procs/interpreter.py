"""Which interpreter worker processes run on, and how many there are by default.

``sys.executable`` is the host's own binary in a batch mode: ``mayapy`` is a plain Python and
serves; ``hython`` takes a Houdini licence per process, so workers use ``$HFS``'s bundled
``python3`` instead; Katana's bundled Python is unconfirmed, so ``katana --script`` keeps threads.
An interactive host keeps threads too (the panel's stall goal was measured with threads).
"""

from __future__ import annotations

import glob
import os
import sys
from typing import List, Optional

SMALL_RUN = 200
"""Below this many small files a run keeps threads: spawning interpreters (~0.3 s each) would not pay."""
MAX_PROCESSES = 8
FEW = 32
"""Fewer small files than this never start workers, even when asked (a task's few config files)."""


def _houdini_python(hfs: str) -> Optional[str]:
    found: List[str] = [os.path.join(hfs, "python", "bin", name) for name in ("python3", "python")]
    found += sorted(glob.glob(os.path.join(hfs, "python3*", "python.exe")), reverse=True)  # Windows layout
    for path in found:
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def worker_executable(executable: Optional[str] = None) -> Optional[str]:
    """The Python for worker processes under ``executable`` (default ``sys.executable``); None: threads."""
    exe = executable or sys.executable
    if not exe or (executable is None and os.environ.get("KATANA_RELEASE")):
        return None  # inside Katana (it sets KATANA_RELEASE, hosts.md), whatever its binary is called
    name = os.path.basename(exe).lower()
    if name.startswith("hython") or name.startswith("houdini"):
        hfs = os.environ.get("HFS", "")
        return _houdini_python(hfs) if hfs else None
    if name.startswith("katana"):
        return None  # Katana's Python unconfirmed: threads
    if name.startswith("maya") and not name.startswith("mayapy"):
        return None  # the interactive Maya binary, not an interpreter
    return exe


def processes_for(asked: Optional[int], small_files: int, executable: Optional[str] = None) -> int:
    """Processes a run uses: ``asked`` (None: :func:`default_processes`), 1 for a few files."""
    if small_files < FEW:
        return 1
    return asked if asked is not None else default_processes(small_files, executable)


def default_processes(small_files: int, executable: Optional[str] = None) -> int:
    """Processes for a run with ``small_files`` small files: one per core but one (the parent plans,
    records and draws the bar on it) when there are many, else 1. Why not one per core: on two cores
    with the server beside it (BENCHMARKS.md) two workers cost more CPU per file than they freed."""
    if small_files < SMALL_RUN or worker_executable(executable) is None:
        return 1
    return max(1, min(MAX_PROCESSES, (os.cpu_count() or 1) - 1))
