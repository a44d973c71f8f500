"""Render the transfer panel's states to PNG files in docs/img/ (offscreen Qt, no transfer needed).

    python docs/make_screenshots.py

Feeds the panel the same Progress snapshots and result objects a real upload
produces, so the pictures show exactly what an artist sees: running, done,
done with errors, cancelled, failed.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Tuple

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from Qt import QtWidgets  # noqa: E402

from rfsync_core.errors import StorageConnectionError  # noqa: E402
from rfsync_core.transfer.progress import Progress  # noqa: E402
from rfsync_core.ui import RUNNING, TransferPanel  # noqa: E402

MB = 1024 * 1024
TEX = "/mnt/proj/sh010/tex"


@dataclass
class Result:
    uploaded: List[str] = field(default_factory=list)
    skipped: List[str] = field(default_factory=list)
    failed: List[Tuple[str, str]] = field(default_factory=list)
    bytes_sent: int = 0
    duration: float = 0.0
    cancelled: bool = False


def snap(done: int, skipped: int, nbytes: int, failed: Tuple[Tuple[str, str], ...] = (), finished: bool = False,
         current: Tuple[str, ...] = (), rate: float = 0.0, eta: float = 0.0, elapsed: float = 0.0,
         message: str = "") -> Progress:
    return Progress(files_total=1240, files_done=done, files_skipped=skipped, files_failed=len(failed),
                    bytes_total=3400 * MB, bytes_done=nbytes, current=current, rate=rate, eta=eta or None,
                    errors=failed, elapsed=elapsed, finished=finished, message=message)


ERRORS = (
    (f"{TEX}/wood_diffuse.1012.exr", "file changed while it was being sent (size 18874368 → 18874412)"),
    (f"{TEX}/floor_rough.1001.tx", "permission denied reading the file"),
)


def panel(title: str) -> TransferPanel:
    p = TransferPanel(title)
    p.resize(640, 470)
    p.state = RUNNING
    p.cancel_button.setEnabled(True)
    p.show()
    return p


def main() -> int:
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    out = HERE / "img"
    out.mkdir(exist_ok=True)
    shots = []

    running = panel("Upload sh010.ma")
    running.status_label.setText("Running…")
    running.on_progress(snap(512, 230, 1480 * MB, current=(
        f"{TEX}/wood_diffuse.1013.exr", f"{TEX}/wood_diffuse.1014.exr", "/mnt/proj/sh010/cache/crowd.abc",
        f"{TEX}/leaves_alpha.1001.tx"), rate=62.4 * MB, eta=31, elapsed=24,
        message="uploading crowd.abc (part 12 of 40)"))
    shots.append((running, "panel-running.png"))

    done = panel("Upload sh010.ma")
    done.done_message = "Done: sh010.ma and its files are on the farm's storage."
    done.on_progress(snap(1240, 230, 3400 * MB, finished=True, elapsed=58))
    done.show_result(Result(uploaded=["x"] * 1010, skipped=["y"] * 230, bytes_sent=3400 * MB, duration=58))
    shots.append((done, "panel-done.png"))

    errors = panel("Submit sh010 (task 1732431234567042)")
    errors.on_progress(snap(1238, 230, 3360 * MB, failed=ERRORS, finished=True, elapsed=61))
    errors.show_result(Result(uploaded=["x"] * 1008, skipped=["y"] * 230, failed=list(ERRORS),
                              bytes_sent=3360 * MB, duration=61))
    shots.append((errors, "panel-errors.png"))

    cancelled = panel("Upload sh010.ma")
    cancelled.on_progress(snap(402, 230, 1020 * MB, finished=True, elapsed=17))
    cancelled.show_result(Result(uploaded=["x"] * 172, skipped=["y"] * 230, bytes_sent=1020 * MB, duration=17,
                                 cancelled=True))
    shots.append((cancelled, "panel-cancelled.png"))

    failed = panel("Upload sh010.ma")
    failed.show_error(StorageConnectionError(
        "cannot reach https://s3.farm.example:9000 (connection refused) after 6 attempts"))
    shots.append((failed, "panel-failed.png"))

    app.processEvents()
    for widget, name in shots:
        widget.grab().save(str(out / name))
        print(out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
