"""The task history: every task this machine submitted, kept locally so a front end can list "my tasks".

Why SQLite (in WAL mode) beside the records database: several hosts and the command line submit at
once on one machine, and one of them may also remember another download folder for a task while a
second one submits; SQLite serialises those writers (busy timeout, bounded) where a hand-made
append-and-compact file would need its own locking. The file keeps the last :data:`MAX_TASKS`
submits (older ones are dropped on each write). A symlink planted at the file's name is refused,
never followed. Nothing here talks to the farm: states come from :mod:`.farm_poll`.
"""

from __future__ import annotations

import os
import sqlite3
import stat
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional, Sequence, TypeVar, Union

from ..config.folders import user_data_dir
from ..errors import RfsyncError
from ..farm.configs import parse_task_config
from ..farm.ids import check_task_id
from ..transfer.records import retry_locked

__all__ = ["MAX_TASKS", "TaskEntry", "TaskHistory", "TaskHistoryError", "default_history_path", "record_submit"]

MAX_TASKS = 500
"""Submits kept; older ones are forgotten (the farm still has them)."""
_BUSY_TIMEOUT_S = 30.0
T = TypeVar("T")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS tasks (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    platform TEXT NOT NULL, task_id TEXT NOT NULL, host TEXT NOT NULL, scene TEXT NOT NULL,
    frames TEXT NOT NULL, submitted REAL NOT NULL, output_dir TEXT NOT NULL, flat INTEGER NOT NULL,
    UNIQUE (platform, task_id))
"""


class TaskHistoryError(RfsyncError):
    """The task history file cannot be used (a link at its name, unreadable, not a database)."""


@dataclass(frozen=True)
class TaskEntry:
    """One submit: where it went, what it renders, and where its frames should land."""

    platform: str
    task_id: str
    host: str
    scene: str
    """The scene file's absolute path (as the host saved it)."""
    frames: str
    submitted: float
    """``time.time()`` of the submit."""
    output_dir: str = ""
    """The download folder chosen for this task ("" = the default: the host's render folder)."""
    flat: bool = False
    """``download_filename_format="false"``: outputs straight into ``output_dir``, no ``<task>_<scene>`` folder."""


def default_history_path() -> Path:
    """``task_history.sqlite3`` in rfsync's data folder, beside ``records.sqlite3``."""
    return user_data_dir() / "task_history.sqlite3"


class TaskHistory:
    """The history file at ``path`` (default :func:`default_history_path`); one short connection per call,
    so an instance may be used from any thread."""

    def __init__(self, path: Union[str, Path, None] = None, max_tasks: int = MAX_TASKS) -> None:
        self.path = Path(path) if path else default_history_path()
        self.max_tasks = max(1, int(max_tasks))

    # -- writing --------------------------------------------------------------------------------
    def record(self, entry: TaskEntry) -> TaskEntry:
        """Add a submit (a resubmit of the same task id on the same platform replaces it); keep the last N."""
        check_task_id(entry.task_id)

        def write(conn: sqlite3.Connection) -> None:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("DELETE FROM tasks WHERE platform = ? AND task_id = ?", (entry.platform, entry.task_id))
            conn.execute("INSERT INTO tasks (platform, task_id, host, scene, frames, submitted, output_dir, flat)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (entry.platform, entry.task_id, entry.host, entry.scene, entry.frames,
                          entry.submitted, entry.output_dir, int(entry.flat)))
            conn.execute("DELETE FROM tasks WHERE seq NOT IN (SELECT seq FROM tasks ORDER BY seq DESC LIMIT ?)",
                         (self.max_tasks,))
            conn.execute("COMMIT")

        self._use(write, "write")
        return entry

    def record_submit(self, platform: str, task_config: str, output_dir: str = "", flat: bool = False,
                      task_id: Optional[str] = None) -> TaskEntry:
        """Record the submit of the task whose ``task.json`` is the local file ``task_config`` (sent as task
        ``task_id`` when given: the file must say the same id)."""
        with open(task_config, "rb") as fh:
            data = fh.read()
        doc = parse_task_config(data, task_id or _task_id_of(data, task_config))
        frames = _compact(doc.frames)
        return self.record(TaskEntry(platform=platform, task_id=doc.task_id, host=doc.host, scene=doc.scene,
                                     frames=frames, submitted=time.time(), output_dir=output_dir, flat=flat))

    def set_output(self, platform: str, task_id: str, output_dir: str, flat: bool) -> Optional[TaskEntry]:
        """Remember another download folder (and filename format) for a task; None when it is not recorded."""

        def write(conn: sqlite3.Connection) -> int:
            cur = conn.execute("UPDATE tasks SET output_dir = ?, flat = ? WHERE platform = ? AND task_id = ?",
                               (output_dir, int(flat), platform, task_id))
            return int(cur.rowcount)

        if not self._use(write, "write"):
            return None
        return self.get(platform, task_id)

    # -- reading --------------------------------------------------------------------------------
    def entries(self, scene: Optional[str] = None) -> List[TaskEntry]:
        """Newest first; with ``scene``, that scene's tasks first, then all the others (newest first each)."""
        if not self.path.exists() and not os.path.islink(self.path):
            return []
        rows = self._use(lambda conn: conn.execute(
            "SELECT platform, task_id, host, scene, frames, submitted, output_dir, flat FROM tasks "
            "ORDER BY seq DESC").fetchall(), "read")
        out = [TaskEntry(r[0], r[1], r[2], r[3], r[4], float(r[5]), r[6], bool(r[7])) for r in rows]
        if scene:
            key = _norm(scene)
            out = [e for e in out if _norm(e.scene) == key] + [e for e in out if _norm(e.scene) != key]
        return out

    def get(self, platform: str, task_id: str) -> Optional[TaskEntry]:
        return next((e for e in self.entries() if e.platform == platform and e.task_id == task_id), None)

    # -- the file -------------------------------------------------------------------------------
    def _use(self, work: Callable[[sqlite3.Connection], T], verb: str) -> T:
        conn = self._connect()
        try:
            return work(conn)
        except sqlite3.Error as err:
            raise TaskHistoryError(f"cannot {verb} the task history {self.path}: {err}") from err
        finally:
            conn.close()

    def _connect(self) -> sqlite3.Connection:
        try:
            st = os.lstat(self.path)
        except FileNotFoundError:
            st = None
        except OSError as err:
            raise TaskHistoryError(f"cannot open the task history {self.path}: {err}") from err
        if st is not None and not stat.S_ISREG(st.st_mode):
            raise TaskHistoryError(f"the task history {self.path} is not a regular file (a link?): "
                                   "move it away")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(str(self.path), timeout=_BUSY_TIMEOUT_S, isolation_level=None)
        except (OSError, sqlite3.Error) as err:
            raise TaskHistoryError(f"cannot open the task history {self.path}: {err}") from err
        try:
            retry_locked(lambda: conn.execute("PRAGMA journal_mode = WAL"), _BUSY_TIMEOUT_S)
            retry_locked(lambda: conn.execute(_SCHEMA), _BUSY_TIMEOUT_S)
        except sqlite3.Error as err:
            conn.close()
            raise TaskHistoryError(f"the task history {self.path} is unusable ({err}): move it away") from err
        return conn


def record_submit(platform: str, task_config: str, output_dir: str = "",
                  task_id: Optional[str] = None) -> Optional[TaskEntry]:
    """Record a submit that succeeded; a history that cannot be written is a warning, not a failed submit
    (the task is on the farm either way)."""
    try:
        return TaskHistory().record_submit(platform, task_config, output_dir, task_id=task_id)
    except (RfsyncError, OSError) as err:
        print(f"rfsync: warning: task submitted, but not recorded in the task history: {err}", file=sys.stderr)
        return None


def _task_id_of(data: bytes, where: str) -> str:
    import json

    try:
        return str(json.loads(data.decode("utf-8"))["task_id"])
    except (ValueError, KeyError, TypeError) as err:
        raise RfsyncError(f"{where}: no task_id ({err})") from None


def _norm(path: str) -> str:
    return os.path.normcase(os.path.normpath(path)) if path else ""



def _compact(frames: Sequence[str]) -> str:
    """``1,2,3,7`` → ``1-3,7``: the frame list short enough for a table cell."""
    parts: List[str] = []
    nums = [int(f) for f in frames]
    i = 0
    while i < len(nums):
        j = i
        while j + 1 < len(nums) and nums[j + 1] == nums[j] + 1:
            j += 1
        parts.append(str(nums[i]) if i == j else f"{nums[i]}-{nums[j]}")
        i = j + 1
    return ",".join(parts)
