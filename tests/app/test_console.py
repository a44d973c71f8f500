"""The terminal helpers shared by the CLI and the hosts' batch modes."""

from __future__ import annotations

import io
import os
import select
import signal
import struct
import threading

import pytest

from rfsync_core.app.console import run_cancellable
from rfsync_core.cli.bars import ProgressBars
from rfsync_core.transfer.progress import CancelToken, Progress


def test_the_value_and_the_error_of_the_work_come_back() -> None:
    assert run_cancellable(lambda: 42, lambda: None) == (42, None, False)

    def boom() -> int:
        raise ValueError("broken")

    value, error, interrupted = run_cancellable(boom, lambda: None)
    assert value is None and isinstance(error, ValueError) and not interrupted


@pytest.mark.skipif(not hasattr(signal, "pthread_kill"), reason="needs pthread_kill")
def test_ctrl_c_cancels_the_work_and_waits_for_it_to_stop() -> None:
    token = CancelToken()
    main = threading.get_ident()
    stopped_cleanly = threading.Event()

    def work() -> str:
        threading.Timer(0.3, signal.pthread_kill, (main, signal.SIGINT)).start()  # the user presses Ctrl-C
        assert token.wait(10), "never cancelled"
        stopped_cleanly.set()
        return "partial result"

    err = io.StringIO()
    value, error, interrupted = run_cancellable(work, token.cancel, stream=err)
    assert interrupted and token.cancelled
    assert stopped_cleanly.is_set()  # it waited for the worker: nothing left running behind the caller's back
    assert (value, error) == ("partial result", None)
    assert "cancelling" in err.getvalue()


def test_bars_stay_silent_off_a_terminal() -> None:
    out = io.StringIO()
    bars = ProgressBars(label="upload", stream=out)
    assert not bars.enabled
    bars.progress(Progress(files_total=2, files_done=1, bytes_total=2048, bytes_done=1024))
    bars.close()
    assert out.getvalue() == ""


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_bars_draw_bytes_and_files_on_a_terminal() -> None:
    import fcntl  # POSIX only, like openpty
    import termios

    read_fd, write_fd = os.openpty()
    fcntl.ioctl(write_fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # a real terminal's size
    with os.fdopen(write_fd, "w") as tty, os.fdopen(read_fd, "rb", buffering=0) as reader:
        bars = ProgressBars(label="upload", stream=tty)
        assert bars.enabled
        bars.progress(Progress(files_total=4, files_done=3, bytes_total=4096, bytes_done=3072, files_failed=1))
        bars.close()
        tty.flush()
        chunks = []
        while select.select([reader], [], [], 0.5)[0]:  # a pty hands its output over in pieces
            chunk = reader.read(65536)
            if not chunk:
                break
            chunks.append(chunk)
        shown = b"".join(chunks).decode("utf-8", "replace")
    assert "upload" in shown and "3/4 files, 1 failed" in shown
