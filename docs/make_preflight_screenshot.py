"""Render the preflight dialog to docs/img/preflight.png (offscreen Qt) from a report on real files.

    python docs/make_preflight_screenshot.py

Makes a small project in a temp folder with the faults a render meets (a missing texture referenced by a
node, a UDIM set with a hole, frames missing from a cache, an empty file, a Windows-reserved name), runs
the real ``preflight`` on it and shows the dialog the artist sees before uploading.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from Qt import QtWidgets  # noqa: E402

from rfsync_core.collect import CollectResult  # noqa: E402
from rfsync_core.preflight import PreflightSettings, preflight  # noqa: E402
from rfsync_core.ui.preflight import PreflightDialog  # noqa: E402


def main() -> int:
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication(sys.argv)
    with tempfile.TemporaryDirectory(prefix="rfsync-shot-") as tmp:
        root = Path(tmp) / "sh010"
        found = []
        for rel, data in [*((f"tex/wood_diffuse.{t}.exr", b"t") for t in (1001, 1002, 1004, 1005)),
                          *((f"cache/cloth.{f:04d}.abc", b"c") for f in (1, 2, 3, 5, 6)),
                          ("tex/floor_mask.exr", b""), ("tex/aux.tx", b"x"), ("sh010.ma", b"scene")]:
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            found.append(str(path))
        gone = str(root / "tex" / "chair_normal.exr")
        collected = CollectResult(found=found, missing=[gone], sources={gone: ["chair_nrm.fileTextureName"]})
        report = preflight(collected, PreflightSettings(frames=range(1, 7)))
        dialog = PreflightDialog(report, "Upload")
        dialog.resize(900, 380)
        for i in range(dialog.tree.topLevelItemCount()):
            dialog.tree.topLevelItem(i).setExpanded(True)
        dialog.tree.resizeColumnToContents(0)
        dialog.tree.resizeColumnToContents(1)
        dialog.show()
        app.processEvents()
        out = HERE / "img" / "preflight.png"
        dialog.grab().save(str(out))
        print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
