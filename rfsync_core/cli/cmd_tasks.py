"""``rfsync tasks``: the tasks this machine submitted (the task history), with their live states.

``--watch`` redraws the table until every task has ended, Ctrl-C, or ``--count`` refreshes (tests);
only tasks that still run are asked about again, each refresh (``app.farm_poll``: one status reader).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any, Dict, List, Optional

from ..app.farm_poll import TaskState, read_states
from ..app.task_history import TaskEntry, TaskHistory

_COLUMNS = ("TASK", "PLATFORM", "HOST", "SCENE", "SUBMITTED", "STATE", "FRAMES")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("tasks", help="the tasks submitted from this machine, with their farm states",
                              description="List the task history (newest first) with each task's state and "
                                          "frames done/failed/total read from the farm.")
    p.add_argument("--platform", "-p", metavar="P", help="only the tasks of this platform")
    p.add_argument("--limit", type=int, default=20, metavar="N", help="the N newest tasks (default 20)")
    p.add_argument("--watch", action="store_true", help="keep the table updated until every task has ended")
    p.add_argument("--interval", type=float, default=5.0, metavar="S", help="seconds between refreshes (default 5)")
    p.add_argument("--count", type=int, metavar="N", help="with --watch: stop after N refreshes")
    p.set_defaults(func=cmd_tasks)


def format_table(entries: List[TaskEntry], states: Dict[Any, TaskState]) -> str:
    """The short table: one line per task, columns as wide as their widest cell."""
    rows = [list(_COLUMNS)]
    for e in entries:
        st = states.get((e.platform, e.task_id))
        rows.append([e.task_id, e.platform, e.host, _basename(e.scene),
                     time.strftime("%Y-%m-%d %H:%M", time.localtime(e.submitted)),
                     st.state if st else "?", st.frames_text() if st else ""])
    widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def _basename(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def cmd_tasks(args: argparse.Namespace) -> int:
    entries = [e for e in TaskHistory().entries() if not args.platform or e.platform == args.platform]
    entries = entries[:max(1, args.limit)]
    if not entries:
        print("No tasks submitted from this machine yet." if not args.platform
              else f"No tasks submitted to platform {args.platform} from this machine yet.")
        return 0
    states: Dict[Any, TaskState] = {}
    refreshes = 0
    tty = sys.stdout.isatty()
    while True:
        pending = [(e.platform, e.task_id) for e in entries
                   if (e.platform, e.task_id) not in states or not states[(e.platform, e.task_id)].settled]
        states.update(read_states(pending))
        refreshes += 1
        if args.watch and tty:
            print("\x1b[H\x1b[2J", end="")  # clear the screen, cursor home
        print(format_table(entries, states), flush=True)
        if not args.watch or all(s.settled for s in states.values()) or _reached(args.count, refreshes):
            return 0
        if not tty:
            print(flush=True)
        time.sleep(max(0.05, args.interval))


def _reached(count: Optional[int], refreshes: int) -> bool:
    return count is not None and refreshes >= count
