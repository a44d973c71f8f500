"""Polling the farm for the tasks of the history: state and frames done/failed/total, in the background.

Why a poller of its own and not auto-download's loop: the "Farm jobs" window and ``rfsync tasks`` show
many tasks, most of which download nothing; they want each task's state, cheaply and bounded. The
status is read exactly as the downloader reads it (``farm.status.read_task_status`` under the one
retry policy, :func:`~rfsync_core.transfer.retry.retry_call`): one parser, one strictness.

Bounded on every side: a task is polled again only while it runs, after an interval that doubles
(up to ``max_interval``) each time nothing changed and goes back to ``interval`` when something did; a
task the farm does not know is reported once as :data:`UNKNOWN` and never polled again; a task whose
status cannot be read ``max_errors`` times in a row is reported as :data:`UNREADABLE` and dropped; the
loop ends when every task is final, on :meth:`FarmPoller.stop`, or after ``max_rounds``.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from ..client import Client
from ..errors import FarmError, RfsyncError, StorageError, TaskNotFoundError, TransferCancelled
from ..farm.status import FINAL_STATES, TaskStatus, read_task_status
from ..transfer.progress import CancelToken
from ..transfer.retry import retry_call
from .task_history import TaskEntry, TaskHistory

if TYPE_CHECKING:  # pragma: no cover - the downloader is imported by who runs one
    from ..transfer.download import Downloader, DownloadResult

__all__ = ["UNKNOWN", "UNREADABLE", "DownloadGroup", "FarmPoller", "TaskState", "auto_download_groups",
           "folder_groups", "read_states", "running_entries"]

UNKNOWN = "unknown to the farm"
"""The state of a task the farm has no status and no configs for (never polled again)."""
UNREADABLE = "unreadable"
"""The state of a task whose status could not be read ``max_errors`` times in a row (no longer polled)."""

TaskKey = Tuple[str, str]
"""``(platform name, task id)``."""


@dataclass(frozen=True)
class TaskState:
    """What a front end shows of one task."""

    platform: str
    task_id: str
    state: str
    """The farm's state (``waiting``, ``rendering``, ``done``, ``failed``, ``stopped``), :data:`UNKNOWN` or
    :data:`UNREADABLE`."""
    done: int = 0
    failed: int = 0
    total: int = 0
    failed_frames: Tuple[str, ...] = ()
    message: str = ""
    status: Optional[TaskStatus] = None

    @property
    def key(self) -> TaskKey:
        return (self.platform, self.task_id)

    @property
    def final(self) -> bool:
        """Nothing will change any more (or we stopped asking): not polled again."""
        return self.state in FINAL_STATES or self.state in (UNKNOWN, UNREADABLE)

    @property
    def settled(self) -> bool:
        """Final on the farm, or unknown to it: asking again cannot change it (an unreadable status can)."""
        return self.state in FINAL_STATES or self.state == UNKNOWN

    @property
    def running(self) -> bool:
        """Submitted and not ended: worth an auto-download."""
        return self.status is not None and not self.final

    def frames_text(self) -> str:
        """``4/10 done, 1 failed`` (empty before the farm listed the frames)."""
        if not self.total:
            return ""
        text = f"{self.done}/{self.total} done"
        return f"{text}, {self.failed} failed" if self.failed else text

    @classmethod
    def of(cls, platform: str, status: TaskStatus) -> TaskState:
        return cls(platform, status.task_id, status.state, status.frames_done, status.frames_failed,
                   len(status.frames), tuple(f.frame for f in status.frames if f.failed), status.message, status)


def _read(client: Client, platform: str, task_id: str, cancel: CancelToken) -> TaskState:
    """One read of a task's status; :data:`UNKNOWN` for a task the farm does not know."""
    try:
        status = retry_call(read_task_status, client.storage, task_id, cancel=cancel, attempts=3, max_delay=10.0,
                            describe=f"read status of task {task_id}")
    except TaskNotFoundError as err:
        return TaskState(platform, task_id, UNKNOWN, message=str(err))
    return TaskState.of(platform, status)


class FarmPoller:
    """Polls ``tasks`` until each is final; ``on_update(TaskState)`` hears of every change (from the
    poller's thread: a Qt caller queues it to the GUI thread).

    :meth:`run` polls in the calling thread (the CLI, tests); :meth:`start` in a daemon thread of its own.
    ``open_client`` makes one :class:`~rfsync_core.client.Client` per platform (closed at the end).
    """

    def __init__(self, tasks: Iterable[TaskKey], on_update: Callable[[TaskState], None], *,
                 interval: float = 5.0, max_interval: float = 60.0, max_errors: int = 6,
                 max_rounds: Optional[int] = None,
                 open_client: Callable[[str], Client] = Client) -> None:
        self.tasks: List[TaskKey] = list(dict.fromkeys(tasks))
        self.on_update = on_update
        self.interval = max(0.01, float(interval))
        self.max_interval = max(self.interval, float(max_interval))
        self.max_errors = max(1, int(max_errors))
        self.max_rounds = max_rounds
        self.open_client = open_client
        self.states: Dict[TaskKey, TaskState] = {}
        self.polls: Dict[TaskKey, int] = {k: 0 for k in self.tasks}
        """Reads per task (tests check an unknown task is read once)."""
        self.cancel_token = CancelToken()
        self._thread: Optional[threading.Thread] = None

    # -- control -------------------------------------------------------------------------------
    def start(self) -> FarmPoller:
        self._thread = threading.Thread(target=self.run, name="rfsync-farm-poll", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop polling (any thread); an in-flight read ends at its next retry boundary."""
        self.cancel_token.cancel()

    def join(self, timeout: Optional[float] = None) -> bool:
        """Wait for the background thread; True once it has ended."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- the loop ------------------------------------------------------------------------------
    def run(self) -> Dict[TaskKey, TaskState]:
        """Poll until every task is final, :meth:`stop`, or ``max_rounds``; returns the last states."""
        clients: Dict[str, Client] = {}
        due = {k: 0.0 for k in self.tasks}
        wait = {k: self.interval for k in self.tasks}
        errors = {k: 0 for k in self.tasks}
        rounds = 0
        try:
            while due and not self.cancel_token.cancelled:
                if self.max_rounds is not None and rounds >= self.max_rounds:
                    break
                rounds += 1
                now = time.monotonic()
                for key in [k for k, t in due.items() if t <= now]:
                    if self.cancel_token.cancelled:
                        break
                    state = self._poll(key, clients, errors)
                    if state is None:
                        continue
                    changed = self.states.get(key) != state
                    if changed:
                        self.states[key] = state
                        self.on_update(state)
                    if state.final:
                        del due[key]
                        continue
                    wait[key] = self.interval if changed else min(wait[key] * 2, self.max_interval)
                    due[key] = time.monotonic() + wait[key]
                if due and (self.max_rounds is None or rounds < self.max_rounds):
                    self.cancel_token.wait(max(0.0, min(due.values()) - time.monotonic()))
        finally:
            for client in clients.values():
                client.close()
        return dict(self.states)

    def _poll(self, key: TaskKey, clients: Dict[str, Client], errors: Dict[TaskKey, int]) -> Optional[TaskState]:
        platform, task_id = key
        self.polls[key] = self.polls.get(key, 0) + 1
        try:
            if platform not in clients:
                clients[platform] = self.open_client(platform)
            state = _read(clients[platform], platform, task_id, self.cancel_token)
        except TransferCancelled:
            return None
        except (StorageError, FarmError, RfsyncError) as err:
            # A status caught mid-rewrite, a server away for a while, a platform no longer configured:
            # asked again after the backoff, given up after max_errors reads in a row.
            errors[key] += 1
            if errors[key] < self.max_errors:
                return None
            return TaskState(platform, task_id, UNREADABLE, message=f"{errors[key]} reads in a row failed: {err}")
        errors[key] = 0
        return state


def read_states(tasks: Sequence[TaskKey], open_client: Callable[[str], Client] = Client,
                max_errors: int = 1) -> Dict[TaskKey, TaskState]:
    """Each task's state now (one round; a task that could not be read is :data:`UNREADABLE`)."""
    out: Dict[TaskKey, TaskState] = {}
    poller = FarmPoller(tasks, lambda s: out.__setitem__(s.key, s), max_rounds=1, max_errors=max_errors,
                        open_client=open_client)
    poller.run()
    return out


def running_entries(platform: str, history: Optional[TaskHistory] = None,
                    open_client: Callable[[str], Client] = Client) -> List[TaskEntry]:
    """"All my running tasks": the history's tasks on ``platform`` that the farm has not ended."""
    entries = [e for e in (history or TaskHistory()).entries() if e.platform == platform]
    states = read_states([(e.platform, e.task_id) for e in entries], open_client=open_client)
    return [e for e in entries if states[(e.platform, e.task_id)].running]


@dataclass(frozen=True)
class DownloadGroup:
    """Tasks that download into one folder (``folder`` None: the default download root)."""

    folder: Optional[str]
    flat: bool
    task_ids: Tuple[str, ...]


def folder_groups(task_ids: Sequence[str], running: Sequence[TaskEntry], local_path: Optional[str],
                  flat: bool) -> List[DownloadGroup]:
    """Where ``auto-download --mine`` puts each task: ``local_path`` when given, else each running task into
    the folder the history remembers for it (with its filename format), the others into the default."""
    remembered = {e.task_id: e for e in running}
    groups: Dict[Tuple[Optional[str], bool], List[str]] = {}
    for tid in dict.fromkeys([*task_ids, *remembered]):
        entry = remembered.get(tid)
        if local_path is None and entry is not None and entry.output_dir:
            where: Tuple[Optional[str], bool] = (entry.output_dir, flat or entry.flat)
        else:
            where = (local_path, flat)
        groups.setdefault(where, []).append(tid)
    return [DownloadGroup(folder, fl, tuple(ids)) for (folder, fl), ids in groups.items()]


def auto_download_groups(dl: Downloader, groups: Sequence[DownloadGroup], *, sleep_time: float,
                         after_complete: bool = False) -> DownloadResult:
    """``dl.auto_download`` of every group at once (each task's frames as they finish, into its own folder):
    one bandwidth cap, one cancel and one progress total for all (``dl``'s), the results merged (a group
    cancelled before it started counts as a cancelled result, not an error)."""
    from ..transfer.download import DownloadResult

    results: List[Any] = [DownloadResult(cancelled=True) for _ in groups]
    errors: List[BaseException] = []
    latest: Dict[int, Any] = {}
    lock = threading.Lock()

    def report(i: int, snap: Any) -> Optional[bool]:
        with lock:
            latest[i] = snap
            total = _summed(list(latest.values()))
        return dl.progress(total) if dl.progress is not None else None

    def one(i: int, group: DownloadGroup) -> None:
        sibling = copy.copy(dl)  # the same client, cap, cancel token and status callback; its own run
        sibling.progress = lambda snap: report(i, snap)
        try:
            results[i] = sibling.auto_download(list(group.task_ids), group.folder, flat=group.flat,
                                               sleep_time=sleep_time, after_complete=after_complete)
        except TransferCancelled:
            pass
        except BaseException as err:  # handed to the caller; the other groups stop with it
            errors.append(err)
            dl.cancel()

    threads = [threading.Thread(target=one, args=(i, g), name=f"rfsync-download-{i}", daemon=True)
               for i, g in enumerate(groups)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()  # each ends when its tasks end or on the shared cancel (bounded by the engine)
    if errors:
        raise errors[0]
    merged = results[0]
    for other in results[1:]:
        merged.merge(other)
    merged.duration = max(r.duration for r in results)
    return merged


def _summed(snaps: List[Any]) -> Any:
    """One progress snapshot for several runs (counts and rates added up)."""
    sums = {name: sum(getattr(s, name) for s in snaps)
            for name in ("files_total", "files_done", "files_skipped", "files_failed", "bytes_total", "bytes_done",
                         "rate")}
    return dataclasses.replace(snaps[-1], **sums, elapsed=max(s.elapsed for s in snaps),
                               errors=tuple(e for s in snaps for e in s.errors))
