"""Render the transfer panel's states to PNG files in docs/img/ from the real widget (offscreen Qt).

    python docs/img/make_screenshots.py

Feeds the panel what a real upload delivers — engine ``Progress`` snapshots, the job's phase, an
``UploadResult`` or the job's exception — so the pictures show what an artist sees: running, done with
errors, done, cancelled, failed; each on a light palette and on a Maya-like dark one (``-dark``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Callable, Dict, List, Tuple

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from Qt import QtGui, QtWidgets  # noqa: E402

from rfsync_core.errors import ConfigError  # noqa: E402
from rfsync_core.transfer.progress import Progress  # noqa: E402
from rfsync_core.transfer.upload import UploadResult  # noqa: E402
from rfsync_core.ui import RUNNING, TransferPanel  # noqa: E402

MB = 1024 * 1024
SHOT = "/mnt/studio/projects/big_feature_2027/sequences/seq040/shots/sh0400"
TEX = f"{SHOT}/lighting/publish/textures/v012"
TOTAL_FILES, TOTAL_BYTES = 3003, 3400 * MB
ERRORS = (
    (f"{TEX}/skin_diffuse.1012.exr", f"{TEX}/skin_diffuse.1012.exr: file not found"),
    (f"{TEX}/skin_diffuse.1013.exr", f"{TEX}/skin_diffuse.1013.exr: file not found"),
    (f"{TEX}/floor_rough.1001.tx", f"{TEX}/floor_rough.1001.tx: permission denied"),
    (f"{SHOT}/fx/cache/smoke.0042.vdb",
     f"{SHOT}/fx/cache/smoke.0042.vdb: file changed while it was being sent (size 18874368 → 18874412)"),
)
DARK = {"Window": "#444444", "WindowText": "#dddddd", "Base": "#2b2b2b", "AlternateBase": "#353535",
        "Text": "#dddddd", "Button": "#555555", "ButtonText": "#dddddd", "Highlight": "#5285a6",
        "HighlightedText": "#ffffff", "ToolTipBase": "#2b2b2b", "ToolTipText": "#dddddd"}
"""Maya's dark grey (#444 window) and its light text."""


def dark_palette() -> QtGui.QPalette:
    pal = QtGui.QPalette()
    for role, colour in DARK.items():
        pal.setColor(getattr(QtGui.QPalette.ColorRole, role), QtGui.QColor(colour))
    for role in ("WindowText", "Text", "ButtonText"):  # greyed out when disabled, as Maya does
        pal.setColor(QtGui.QPalette.ColorGroup.Disabled, getattr(QtGui.QPalette.ColorRole, role),
                     QtGui.QColor("#8a8a8a"))
    return pal


def snap(done: int, skipped: int, nbytes: int, failed: Tuple[Tuple[str, str], ...] = (), **kw: Any) -> Progress:
    return Progress(files_total=TOTAL_FILES, files_done=done, files_skipped=skipped, files_failed=len(failed),
                    bytes_total=TOTAL_BYTES, bytes_done=nbytes, errors=failed, **kw)


def make_panel(title: str, palette: QtGui.QPalette) -> TransferPanel:
    p = TransferPanel(title, destination="studio-s3")
    p.setPalette(palette)
    p.resize(680, 500)
    p.rerun = lambda only: None  # the flow's rerun: its buttons show (never clicked here)
    p.state = RUNNING
    p.cancel_button.setEnabled(True)
    p.show()
    return p


def running(p: TransferPanel) -> None:
    p.on_phase("uploading")
    current = (f"{SHOT}/fx/cache/crowd_sim_v003.abc", f"{TEX}/skin_diffuse.1014.exr",
               f"{TEX}/skin_diffuse.1015.exr", f"{TEX}/leaves_alpha.1001.tx", f"{TEX}/bark_normal.1002.exr",
               f"{TEX}/bark_normal.1003.exr", f"{TEX}/bark_normal.1004.exr", f"{TEX}/bark_normal.1005.exr")
    p.on_progress(snap(1412, 230, 1480 * MB, current=current, rate=62.4 * MB, eta=31, elapsed=24,
                       current_bytes=((current[0], 21 * MB, 50 * MB),)))


def errors(p: TransferPanel) -> None:
    p.on_progress(snap(2999, 230, 3360 * MB, failed=ERRORS, finished=True, elapsed=61))
    p.show_result(UploadResult(uploaded=["x"] * 2769, skipped=["y"] * 230, failed=list(ERRORS),
                               bytes_sent=3360 * MB, duration=61))


def done(p: TransferPanel) -> None:
    p.done_message = "Done: sh0400.ma and its files are on the farm's storage."
    p.on_progress(snap(TOTAL_FILES, 230, TOTAL_BYTES, finished=True, elapsed=58))
    p.show_result(UploadResult(uploaded=["x"] * 2773, skipped=["y"] * 230, bytes_sent=TOTAL_BYTES, duration=58))


def cancelled(p: TransferPanel) -> None:
    p.on_progress(snap(402, 230, 1020 * MB, finished=True, cancelled=True, elapsed=17))
    p.show_result(UploadResult(uploaded=["x"] * 172, skipped=["y"] * 230, bytes_sent=1020 * MB, duration=17,
                               cancelled=True))


def failed(p: TransferPanel) -> None:
    p.on_phase("checking")
    p.show_error(ConfigError("unknown platform 'studio-s3'. Known platforms: local, nas."))


STATES: Dict[str, Callable[[TransferPanel], None]] = {
    "running": running, "errors": errors, "done": done, "cancelled": cancelled, "failed": failed}


def main(out: Path = HERE) -> List[Path]:
    """Write every picture into ``out``; returns their paths."""
    app = QtWidgets.QApplication.instance()
    if app is None:  # run as a script: the same look on every machine (a host keeps its own style)
        app = QtWidgets.QApplication([])
        app.setStyle("Fusion")
    shots: List[Tuple[TransferPanel, str]] = []
    for suffix, palette in (("", app.style().standardPalette()), ("-dark", dark_palette())):
        for state, fill in STATES.items():
            p = make_panel("Upload sh0400.ma", palette)
            fill(p)
            shots.append((p, f"panel-{state}{suffix}.png"))
    app.processEvents()
    written = []
    for widget, name in shots:
        widget.grab().save(str(out / name))
        widget.close()
        written.append(out / name)
    return written


if __name__ == "__main__":
    for path in main():
        print(path)
