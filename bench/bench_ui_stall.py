"""How long does the GUI thread stall while the panel shows a 10,000-file upload?

    python bench/bench_ui_stall.py                 # 10,000 files, folder platform, offscreen Qt
    python bench/bench_ui_stall.py --files 2000 --size 4096 --threads 8 --runs 3
    python bench/bench_ui_stall.py --processes 2       # the small files in 2 worker processes

A ``QTimer`` fires every 5 ms on the GUI thread; each gap between two ticks
minus 5 ms is a stall. The engine uploads in the panel's worker thread; the
panel gets ≤ 10 progress snapshots a second through queued signals. Prints the
longest stall, the 99th percentile and the tick count for each run, and the
verdict against the goal (longest stall ≤ 50 ms). Everything happens in a
temporary folder (files, farm, rfsync config/data), never in your home.

It also lists the interpreter's full (generation 2) garbage collections during each run, read
through ``gc.callbacks`` (this benchmark's own process; nothing is changed). A full collection
holds the interpreter lock over every tracked object in the process (here mostly the Qt binding's)
in whichever thread happens to allocate, so the GUI thread waits for it whoever triggered it; the
longest stall away from them says what rfsync's threads and signals cost on their own.

A first, unmeasured transfer of 50 files runs before the measured ones: the first transfer of a session
imports the engine's modules in the worker thread, and without bytecode (``PYTHONDONTWRITEBYTECODE``, or a
read-only install never compiled) compiling each one holds the interpreter lock; its stall is printed apart.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

TICK_MS = 5
GOAL_MS = 50.0
FULL_GCS: List[Tuple[float, float]] = []
"""``(start, end)`` (``perf_counter``) of every full collection since the benchmark began."""
_gc_started: List[float] = []


def watch_full_collections(phase: str, info: Dict[str, int]) -> None:
    """``gc.callbacks`` entry: note when each generation-2 collection starts and ends."""
    if info.get("generation") != 2:
        return
    if phase == "start":
        _gc_started[:] = [time.perf_counter()]
    elif _gc_started:
        FULL_GCS.append((_gc_started.pop(), time.perf_counter()))


def _bytecode_note() -> str:
    """Whether the engine's modules are compiled on their first import: the compiler holds the interpreter
    lock for a whole module, so a first import in the worker thread stalls the GUI thread for that long."""
    if sys.dont_write_bytecode and not (HERE.parent / "rfsync_core" / "__pycache__").is_dir():
        return "compiled from source, PYTHONDONTWRITEBYTECODE is set and rfsync_core has no bytecode"
    return "from bytecode"


def make_files(folder: Path, count: int, size: int) -> List[str]:
    out = []
    payload = os.urandom(size)
    for i in range(count):
        sub = folder / f"d{i // 500:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        path = sub / f"tex_{i:05d}.bin"
        path.write_bytes(payload)
        out.append(str(path))
    return out


def one_run(app: object, files: List[str], work: Path, threads: int, processes: int = 1) -> Dict[str, float]:
    from Qt import QtCore

    from rfsync_core.app import TransferSettings, upload_manifest_job, write_upload_manifest
    from rfsync_core.ui import DONE, TransferPanel

    manifest = write_upload_manifest(str(work / f"upload-{time.monotonic_ns()}.json"), None, files)
    panel = TransferPanel("Bench upload")
    panel.show()
    gaps: List[float] = []
    last = [time.perf_counter()]

    spans: List[Tuple[float, float]] = []  # (start, end) of each gap, to match it against full collections

    def tick() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0]) * 1000.0 - TICK_MS)
        spans.append((last[0], now))
        last[0] = now

    timer = QtCore.QTimer()
    timer.setTimerType(QtCore.Qt.TimerType.PreciseTimer)
    timer.timeout.connect(tick)
    loop = QtCore.QEventLoop()
    panel.finished.connect(lambda _state: QtCore.QTimer.singleShot(200, loop.quit))
    start = time.perf_counter()
    timer.start(TICK_MS)
    last[0] = time.perf_counter()
    panel.start(upload_manifest_job(manifest, TransferSettings(threads=threads), processes=processes))
    loop.exec() if hasattr(loop, "exec") else loop.exec_()
    timer.stop()
    elapsed = time.perf_counter() - start
    state = panel.state
    while panel.is_running():  # let the worker thread end before the panel goes away
        QtCore.QCoreApplication.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 50)
    panel.close()
    if state != DONE:
        raise SystemExit(f"upload did not finish cleanly: {state}: {panel.status_label.text()}")
    stalls = sorted(max(0.0, g) for g in gaps)
    full = [(a, b) for a, b in FULL_GCS if a >= start]
    clear = [max(0.0, g) for g, (a, b) in zip(gaps, spans) if not any(ga < b and gb > a for ga, gb in full)]
    return {
        "full_gcs": float(len(full)),
        "full_gc_ms": max(((b - a) * 1000.0 for a, b in full), default=0.0),
        "longest_clear_ms": max(clear, default=0.0),
        "longest_ms": stalls[-1] if stalls else 0.0,
        "p99_ms": stalls[int(len(stalls) * 0.99) - 1] if len(stalls) >= 100 else (stalls[-1] if stalls else 0.0),
        "ticks": float(len(gaps)),
        "seconds": elapsed,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=2048, help="bytes per file")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--processes", type=int, default=1,
                        help="worker processes for the small files (1: threads only, the hosts' default)")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()

    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="rfsync-bench-ui-") as tmp:
        root = Path(tmp)
        os.environ["RFSYNC_CONFIG_DIR"] = str(root / "config")
        os.environ["RFSYNC_DATA_DIR"] = str(root / "data")
        os.environ.pop("RFSYNC_PLATFORM", None)
        from Qt import QtWidgets

        app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
        gc.callbacks.append(watch_full_collections)
        files = make_files(root / "assets", args.files, args.size)
        os.environ["RFSYNC_LOCAL_ROOT"] = str(root / "farm-first")
        first = one_run(app, files[:50], root, args.threads, args.processes)
        print(f"first transfer of the session (50 files; its imports: {_bytecode_note()}): longest GUI stall "
              f"{first['longest_ms']:.1f} ms — not counted below")
        results = []
        for run in range(args.runs):
            os.environ["RFSYNC_LOCAL_ROOT"] = str(root / f"farm{run}")  # a fresh farm: every file is sent
            os.environ["RFSYNC_DATA_DIR"] = str(root / f"data{run}")  # and no records to skip by
            r = one_run(app, files, root, args.threads, args.processes)
            results.append(r)
            print(f"run {run + 1}: {args.files} files in {r['seconds']:.1f} s — longest GUI stall "
                  f"{r['longest_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, {int(r['ticks'])} ticks of {TICK_MS} ms; "
                  f"{int(r['full_gcs'])} full collection(s), longest {r['full_gc_ms']:.1f} ms; longest stall "
                  f"away from them {r['longest_clear_ms']:.1f} ms")
        worst = max(r["longest_ms"] for r in results)
        median = statistics.median(r["longest_ms"] for r in results)
        verdict = "OK" if worst <= GOAL_MS else "OVER GOAL"
        print(f"longest GUI-thread stall: {worst:.1f} ms (median of runs {median:.1f} ms); "
              f"goal ≤ {GOAL_MS:.0f} ms: {verdict}; away from full collections: "
              f"{max(r['longest_clear_ms'] for r in results):.1f} ms; load average {load_start:.2f} at the start, "
              f"{os.getloadavg()[0]:.2f} at the end")
    return 0


if __name__ == "__main__":
    sys.exit(main())
