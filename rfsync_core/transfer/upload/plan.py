"""The plan of an upload run: which files go, which fail at once, which the records let us skip.

Stat every ``(local, key)``; bad entries become per-file failures (reported together; the rest still
upload). Files whose record says this platform holds the key with the same size and mtime are
skipped; a few of those records are sampled against the server (HEAD) and, if one is gone or
differs, every record of the platform is forgotten and nothing is skipped. ``recheck`` HEADs every
file instead of trusting records (:meth:`Planner.server_has`, called by the jobs).

When the sample cannot be checked (its HEAD still fails after the retries, e.g. on a flaky server),
the records are neither trusted blindly nor thrown away: each recorded file is HEADed as its turn
comes (``FileState.verify``) and skipped when the server holds it at the recorded size, sent when
it is gone (a wiped bucket is still noticed, file by file) or when its own HEAD fails too. Sending
everything instead cost the soak 10.1 GB uploaded for 1.2 GB of data; one HEAD per file is cheap
and bounded by the same retries.
"""

from __future__ import annotations

import os
import random
import stat as stat_mod
from typing import Dict, List, Tuple

from ..._files import is_md5
from ...errors import LocalPathError, NotFoundError, RfsyncError, StorageError
from ...storage import check_key
from ...storage.base import Storage
from ..progress import CancelToken, ProgressTracker
from ..records import Records
from ..watch import ServerGoneError
from .send import Sender
from .state import FileState, describe_error, is_fatal, md5_range

SAMPLE_RECORDS = 3


class Planner:
    """Plan and skip decisions of one run (scheduler thread), and the full re-check (workers)."""

    def __init__(self, storage: Storage, records: Records, sender: Sender, tracker: ProgressTracker,
                 cancel: CancelToken, pid: str, *, use_records: bool, recheck: bool) -> None:
        self.storage = storage
        self.records = records
        self.sender = sender
        self.tracker = tracker
        self.cancel = cancel
        self.pid = pid
        self.use_records = use_records
        self.recheck = recheck

    def stat(self, items: List[Tuple[str, str]],
             keys_checked: bool = False) -> Tuple[List[FileState], List[Tuple[str, str]]]:
        """The files to upload and the ``(local, reason)`` that cannot be. ``keys_checked``: the keys
        came from :func:`paths.input_key`."""
        files: List[FileState] = []
        failed: List[Tuple[str, str]] = []
        by_key: Dict[str, str] = {}
        for local, key in items:
            local = os.fspath(local)
            try:
                if not os.path.isabs(local):
                    raise LocalPathError(f"{local}: not an absolute path")
                if not keys_checked:
                    check_key(key)
                if key in by_key:
                    if by_key[key] != local:
                        raise LocalPathError(f"{local}: same storage key {key} as {by_key[key]}")
                    continue
                st = os.stat(local)
                if stat_mod.S_ISDIR(st.st_mode):
                    raise LocalPathError(f"{local}: is a folder, not a file")
                if not stat_mod.S_ISREG(st.st_mode):
                    raise LocalPathError(f"{local}: not a regular file")
            except FileNotFoundError:
                failed.append((local, f"{local}: file not found"))
                continue
            except (OSError, RfsyncError) as err:
                failed.append((local, describe_error(local, err)))
                continue
            by_key[key] = local
            files.append(FileState(local, key, st.st_size, st.st_mtime_ns))
        return files, failed

    def split_skips(self, files: List[FileState]) -> Tuple[List[FileState], List[FileState]]:
        """``(to send, to skip)``: skip files the records vouch for (after sampling a few against the server)."""
        if not self.use_records or self.recheck or not files:
            return list(files), []
        recs = self.records.get_uploads(self.pid, (f.key for f in files))
        skip: List[FileState] = []
        todo: List[FileState] = []
        for f in files:
            rec = recs.get(f.key)
            if rec is not None and rec.size == f.size and rec.mtime_ns == f.mtime_ns and rec.local == f.local:
                skip.append(f)
            else:
                todo.append(f)
        verdict = self._sample(random.sample(skip, min(SAMPLE_RECORDS, len(skip)))) if skip else "ok"
        if verdict == "gone":
            self.records.forget_platform(self.pid)
            self.tracker.set_message(f"records for {self.storage.name} did not match the server; re-uploading")
            return list(files), []
        if verdict == "unknown":
            for f in skip:
                f.verify = True
            self.tracker.set_message(f"could not check the records against {self.storage.name}; "
                                     f"checking each of the {len(skip)} recorded files before sending it")
            return list(files), []
        self.tracker.files_skipped(len(skip), sum(f.size for f in skip))
        return todo, skip

    def _sample(self, sample: List[FileState]) -> str:
        """HEAD a few vouched-for files: "ok", "gone" (a record lies: distrust them all) or "unknown"."""
        for f in sample:
            try:
                info = self.sender.retry(self.storage.head, f.key, describe=f"check {f.key}")
            except NotFoundError as err:
                return "unknown" if is_fatal(err) else "gone"
            except StorageError:
                return "unknown"  # e.g. bad credentials: keep the records, let the transfer report it
            if info.size != f.size:
                return "gone"
        return "ok"

    def server_has(self, f: FileState) -> bool:
        """Full re-check (``recheck``, or ``f.verify``): does the server hold this file already (size, and
        MD5 where the ETag is one)? False otherwise. Runs in a worker."""
        if not (self.recheck or f.verify):
            return False
        try:
            info = self.sender.retry(self.storage.head, f.key, describe=f"check {f.key}")
        except NotFoundError:
            return False
        except StorageError as err:
            if not f.verify or is_fatal(err) or isinstance(err, ServerGoneError):
                raise
            return False  # this file's check failed too: send it rather than trust its record
        if info.size != f.size:
            return False
        rec = self.records.get_upload(self.pid, f.key) if self.use_records else None
        if rec is not None and rec.size == f.size and rec.mtime_ns == f.mtime_ns and rec.local == f.local:
            return True
        if is_md5(info.etag):
            return md5_range(f.local, 0, f.size, self.cancel).hex() == info.etag.lower()
        return False
