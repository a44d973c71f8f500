"""Render the "Farm jobs" window to docs/img/farm-jobs.png (offscreen Qt, a real farm emulator).

    python docs/make_farmjobs_screenshot.py

Everything happens in a temporary home: a folder platform, four tasks in the task history (one done, one
rendering, one with a failed frame, one the farm does not know), the emulator rendering them, and the real
window polling them, so the picture shows what an artist sees.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def main() -> int:
    tmp = Path(tempfile.mkdtemp(prefix="rfsync-shot-"))
    for var, sub in (("HOME", "home"), ("RFSYNC_CONFIG_DIR", "config"), ("RFSYNC_DATA_DIR", "data"),
                     ("RFSYNC_LOCAL_ROOT", "farm")):
        os.environ[var] = str(tmp / sub)
    from Qt import QtCore, QtWidgets

    from rfsync_core.app.task_history import TaskEntry, TaskHistory
    from rfsync_core.client import Client
    from rfsync_core.farm import config_key, task_config_document
    from rfsync_core.testing.farm_emulator import FarmEmulator, writer_for
    from rfsync_core.ui.farmjobs import FarmJobsWindow

    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    scene = "/mnt/proj/shots/sh010/sh010_lighting_v012.ma"
    shots = [("1733290000000011", scene, "1-24", {"frame_time": 0.0}),
             ("1733290000000012", scene, "1-48", {"frame_time": 30.0}),
             ("1733290000000013", "/mnt/proj/shots/sh020/sh020_fx_v003.ma", "1-10",
              {"frame_time": 0.0, "fail_frames": ["7"]})]
    client = Client("local")
    history = TaskHistory()
    emus = []
    now = time.time()
    for i, (tid, path, frames, kwargs) in enumerate(shots):
        doc = task_config_document(tid, path, host="maya", host_version="2025", renderer="arnold", frames=frames)
        client.storage.put_bytes(config_key(tid, "task.json"), json.dumps(doc).encode())
        history.record(TaskEntry("local", tid, "maya", path, frames, now - 3600 + i * 600,
                                 output_dir="/mnt/proj/shots/sh010/images" if path == scene else ""))
        emu = FarmEmulator(writer_for(client.platform), tid, output_size=64, finish_time=0.0, **kwargs)
        emus.append(emu)
    history.record(TaskEntry("local", "1733290000000014", "maya", scene, "1-12", now - 60))
    emus[0].run()
    emus[2].run()
    rendering = emus[1]
    threading.Thread(target=rendering.run, daemon=True).start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not rendering._frames:  # picked up: frame 1 rendering
        time.sleep(0.05)
    # the rendering task: a dozen frames done, so the picture shows progress
    for entry in rendering._frames[:12]:
        entry["state"], entry["outputs"] = "done", []
    rendering._frames[12]["state"] = "rendering"
    rendering._write_status("rendering")

    window = FarmJobsWindow(scene=scene, default_folder="/mnt/proj/shots/sh010/images", interval=0.1)
    window.resize(960, 260)
    window.show()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and any(r[4] == "…" for r in window.row_texts()):
        app.processEvents(QtCore.QEventLoop.ProcessEventsFlag.AllEvents, 50)
        time.sleep(0.02)
    window.select("1733290000000012")
    window.notice_label.setText("Task 1733290000000013: frame 7 failed on the farm.")
    for i in range(window.tree.columnCount()):
        window.tree.resizeColumnToContents(i)
    app.processEvents()
    out = HERE / "img" / "farm-jobs.png"
    window.grab().save(str(out))
    window.stop_polling()
    rendering.stop()
    client.close()
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
