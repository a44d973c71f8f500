"""A host-like Qt application that quits while the panel's background upload runs (for test_ui_quit.py).

Usage: python panel_quit_child.py MODE MANIFEST

MODE ``quit``: the application quits (``QApplication.quit()``, as a host's File > Exit ends its loop).
MODE ``close-host``: the host's main window is closed; if it closed, the application quits (what a host
does when its main window goes). A question shown meanwhile is answered by clicking the button whose text
starts with ``ANSWER`` (env var, default "Cancel and quit"), found on the real modal dialog.
Prints ``RUNNING`` once bytes moved, ``CLOSED <bool>`` after the close, ``EXIT <code>`` at the end.
"""

from __future__ import annotations

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from Qt import QtCore, QtWidgets

from rfsync_core.app import TransferSettings, upload_manifest_job
from rfsync_core.ui import run_in_panel


def main() -> int:
    mode, manifest = sys.argv[1], sys.argv[2]
    answer = os.environ.get("ANSWER", "Cancel and quit")
    # Qt 6's quit() closes every window first: the panel's own close question may come up instead
    answers = (answer, "Cancel transfer") if answer == "Cancel and quit" else (answer,)
    app = QtWidgets.QApplication([])
    host = QtWidgets.QMainWindow()
    host.setWindowTitle("Host")
    host.resize(800, 600)
    host.show()
    job = upload_manifest_job(manifest, TransferSettings(max_speed=400, threads=2))
    panel = run_in_panel(job, "Upload big", parent=host)

    def click_answer() -> None:  # every 300 ms, also inside a question's own event loop
        QtCore.QTimer.singleShot(300, click_answer)
        box = QtWidgets.QApplication.activeModalWidget()
        if box is None:
            return
        for button in box.findChildren(QtWidgets.QAbstractButton):
            if button.text().startswith(answers):
                print(f"ASKED {box.windowTitle()}", flush=True)
                button.click()
                return
        print(f"STUCK on a question without {answer!r}: {box.windowTitle()}", flush=True)
        os._exit(3)

    def when_stopped() -> None:
        if panel.is_running():
            QtCore.QTimer.singleShot(50, when_stopped)
        else:
            app.quit()

    def poll() -> None:
        snap = panel.last_snapshot
        if snap is None or snap.bytes_done <= 0:
            QtCore.QTimer.singleShot(50, poll)
            return
        print("RUNNING", flush=True)
        if mode == "quit":
            app.quit()
            return
        closed = host.close()
        print(f"CLOSED {closed}", flush=True)
        if closed:
            app.quit()
        else:
            panel.cancel()
            when_stopped()

    QtCore.QTimer.singleShot(50, poll)
    QtCore.QTimer.singleShot(300, click_answer)
    run = getattr(app, "exec", None) or app.exec_
    code = run()
    print(f"EXIT {code}", flush=True)
    return int(code)


if __name__ == "__main__":
    sys.exit(main())
