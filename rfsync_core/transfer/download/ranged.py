"""One big file fetched with several ranged GETs at once, written in place into its ``.part``.

Why: one HTTP stream is bound by one thread's receive loop; a few streams in
parallel keep both the network and the disk busy (what boto3 and rclone do).

How it stays safe:

* the ``.part`` is created at its full size and each range is written at its
  own offset (``os.pwrite``); it is still renamed into place only after it
  was verified, by the caller;
* every range is fetched front to back, so the state of a download is, per
  range, how many bytes from its start are written. That state lives in a
  sidecar ``<part>.ranges`` (JSON, replaced atomically through a unique temp
  opened ``O_EXCL | O_NOFOLLOW`` — a symlink planted at a fixed temp name once
  made us overwrite its target outside the download folder —, at most every
  :data:`STATE_EVERY` s and when the fetch stops), so a killed or failed
  download resumes each range where it was; a sidecar that does not match the
  remote object (size, ETag, range size) is ignored and the file starts over;
* the MD5 (when the ETag is one) is computed by a hasher thread that trails
  the written, contiguous prefix of the file (from the page cache), so
  verification costs no extra pass at the end;
* each range is retried (bounded) by :func:`retry_call`; cancel stops every
  stream within one chunk (and the storage's ``interrupt`` wakes blocked reads);
* a file whose MD5 does not match (a byte flipped on the way: TCP checksums
  pass, the bytes are wrong) is repaired in place, not fetched again whole:
  its ranges are read again one by one and compared with the ``.part``, only
  the chunks that differ are rewritten, and the pass stops as soon as the file
  matches (so a bad first range costs that range; S3 gives no checksum per
  range, so a bad last one costs a re-read of the file). At most
  :data:`REPAIR_PASSES` passes; a pass that finds every range the same as on
  disk (the storage, or the link, corrupts the same way every time) ends the
  repair at once. The ``.part`` and its sidecar stay, so a rerun repairs again.
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from ..._files import MiB, is_md5, new_md5, remove_quietly, write_atomic
from ...errors import RfsyncError, StorageError, TransferCancelled
from ...storage.base import ObjectInfo, Storage, no_hook
from ..progress import CancelToken
from ..retry import retry_call
from ..watch import ServerWatch
from .part import HASH_CHUNK, open_part

RANGED_THRESHOLD = 64 * MiB
"""Files at least this big are fetched with parallel ranged GETs."""
RANGE_SIZE = 16 * MiB
RANGE_STREAMS = 4
STATE_SUFFIX = ".ranges"
STATE_EVERY = 0.5
"""Seconds between sidecar writes while ranges progress."""
REPAIR_PASSES = 3
"""Passes over the ranges of a file whose MD5 does not match before it fails."""


class _RangeFull(Exception):
    """Raised by a range's writer once its last byte is written: ends that GET early."""


def supported() -> bool:
    """Positional reads and writes exist (not on Windows, where big files keep one stream)."""
    return hasattr(os, "pwrite") and hasattr(os, "pread")


def state_path(part: str) -> str:
    return part + STATE_SUFFIX


def plan_ranges(size: int, range_size: int) -> List[Tuple[int, int]]:
    """``[(start, end), ...]`` covering ``size`` bytes in ``range_size`` pieces."""
    return [(start, min(size, start + range_size)) for start in range(0, size, range_size)]


def load_state(part: str, info: ObjectInfo, range_size: int) -> Optional[Dict[int, int]]:
    """Bytes done per range start, from the sidecar, when it belongs to this object and this ``.part``."""
    try:
        if os.path.islink(state_path(part)):
            return None
        with open(state_path(part), encoding="utf-8") as fh:
            doc = json.load(fh)
        if not os.path.isfile(part) or os.path.islink(part) or os.path.getsize(part) != info.size:
            return None
        if doc.get("size") != info.size or doc.get("etag") != info.etag or doc.get("range") != range_size:
            return None
        done = {int(k): int(v) for k, v in dict(doc.get("done", {})).items()}
    except (OSError, ValueError, TypeError, AttributeError):
        return None
    starts = {s: e - s for s, e in plan_ranges(info.size, range_size)}
    if any(k not in starts or not 0 <= v <= starts[k] for k, v in done.items()):
        return None
    return done


def drop_state(part: str) -> None:
    """Remove the sidecar (a link planted there is removed, never followed)."""
    remove_quietly(state_path(part))


class RangedFetch:
    """Fill ``part`` with ``info.size`` bytes of ``key`` over ``streams`` parallel ranged GETs."""

    def __init__(self, storage: Storage, key: str, part: str, info: ObjectInfo, *, streams: int,
                 range_size: int, count: Callable[[int], None], cancel: CancelToken, want_md5: bool,
                 watch: Optional[ServerWatch] = None, recount: Optional[Callable[[int], None]] = None) -> None:
        """``count`` sees every byte fetched (bandwidth cap, progress, cancel); ``recount``, when given, the
        bytes a repair reads again instead (the cap and cancel, not progress: they were counted once)."""
        self.storage = storage
        self.key = key
        self.part = part
        self.info = info
        self.streams = max(1, streams)
        self.range_size = max(1, range_size)
        self.count = count
        self.recount = recount or count
        self.cancel = cancel
        self.want_md5 = want_md5
        self.watch = watch
        self.ranges = plan_ranges(info.size, self.range_size)
        self.done: Dict[int, int] = {}
        self.resumed = 0
        self._lock = threading.Condition()
        self._next = 0
        self._error: Optional[BaseException] = None
        self._stop = threading.Event()
        self._last_save = 0.0
        self._save_lock = threading.Lock()
        self._got: Optional[ObjectInfo] = None

    # -- state ---------------------------------------------------------------------
    def _open(self) -> int:
        """Open (or create at full size) the ``.part``; pick up the sidecar's progress."""
        done = load_state(self.part, self.info, self.range_size)
        if done is None:
            drop_state(self.part)
            fd = open_part(self.part, fresh=True)
            self.done = {}
        else:
            fd = open_part(self.part)
            self.done = done
        try:
            os.ftruncate(fd, self.info.size)
        except OSError:
            os.close(fd)
            raise
        self.resumed = sum(self.done.values())
        self._save(force=True)
        return fd

    def _save(self, force: bool = False) -> None:
        """Write the sidecar (one writer at a time; a periodic save is skipped while another runs)."""
        if not self._save_lock.acquire(blocking=force):
            return
        try:
            now = time.monotonic()
            if force or now - self._last_save >= STATE_EVERY:
                self._last_save = now
                self._write_state()
        finally:
            self._save_lock.release()

    def _write_state(self) -> None:
        with self._lock:
            doc = {"size": self.info.size, "etag": self.info.etag, "range": self.range_size,
                   "done": {str(k): v for k, v in self.done.items() if v}}
        # not fsynced (as before): a sidecar lost to a power cut only means those ranges are fetched again
        write_atomic(state_path(self.part), json.dumps(doc), fsync=False)

    def _watermark(self) -> int:
        """End of the contiguous written prefix of the file."""
        for start, end in self.ranges:
            have = self.done.get(start, 0)
            if have < end - start:
                return start + have
        return self.info.size

    # -- workers -------------------------------------------------------------------
    def _take(self) -> Optional[Tuple[int, int]]:
        with self._lock:
            while self._next < len(self.ranges):
                start, end = self.ranges[self._next]
                self._next += 1
                if self.done.get(start, 0) < end - start:
                    return start, end
            return None

    def _fetch_range(self, fd: int, start: int, end: int) -> None:
        fetch = self

        class Writer:
            def write(self, data: Any) -> int:
                if fetch._stop.is_set():
                    raise TransferCancelled("download stopped")
                pos = start + fetch.done.get(start, 0)
                n = min(len(data), end - pos)
                if n <= 0:
                    raise _RangeFull()
                fetch.count(n)  # bandwidth cap, progress, cancel
                view = memoryview(data)[:n]
                while view:
                    written = os.pwrite(fd, view, pos)
                    view = view[written:]
                    pos += written
                with fetch._lock:
                    fetch.done[start] = pos - start
                    fetch._lock.notify_all()
                fetch._save()  # throttled: a kill loses at most STATE_EVERY seconds of progress
                if pos >= end and end < fetch.info.size:
                    raise _RangeFull()
                return n

        def attempt() -> None:
            offset = start + self.done.get(start, 0)
            if offset >= end:
                return
            length = end - offset if end < self.info.size else None  # a bounded Range (storage contract)
            try:
                got = self.storage.get_to_file(self.key, Writer(), offset=offset, length=length, hook=no_hook)
            except _RangeFull:
                return
            if end == self.info.size:
                self._got = got
            if start + self.done.get(start, 0) < end:
                raise StorageError(f"download {self.key}: range {start}-{end - 1} ended early",
                                   code="ShortRead", key=self.key)

        retry_call(attempt, cancel=self.cancel, describe=f"download {self.key} bytes {start}-{end - 1}",
                   watch=self.watch)

    def _worker(self, fd: int) -> None:
        try:
            while not self._stop.is_set():
                rng = self._take()
                if rng is None:
                    return
                self._fetch_range(fd, *rng)
                self._save()
        except BaseException as err:
            with self._lock:
                if self._error is None:
                    self._error = err
                self._lock.notify_all()
            self._stop.set()

    def _hash(self, fd: int, digest: Any) -> int:
        """Hash the file's contiguous written prefix as it grows; returns bytes hashed."""
        pos = 0
        size = self.info.size
        while pos < size:
            with self._lock:
                mark = self._watermark()
                while mark <= pos and not self._stop.is_set() and not self.cancel.cancelled:
                    self._lock.wait(0.2)
                    mark = self._watermark()
            if mark <= pos:
                return pos
            while pos < mark:
                data = os.pread(fd, min(HASH_CHUNK, mark - pos), pos)
                if not data:
                    raise StorageError(f"download {self.key}: the .part ended early while hashing",
                                       code="ShortRead", key=self.key)
                digest.update(data)
                pos += len(data)
        return pos

    def run(self) -> Tuple[ObjectInfo, Optional[str], int]:
        """Fetch every missing range. Returns (info, MD5 hex or None, bytes that were already there)."""
        fd = self._open()
        threads: List[threading.Thread] = []
        try:
            for i in range(min(self.streams, len(self.ranges))):
                t = threading.Thread(target=self._worker, args=(fd,), name=f"rfsync-dl-range-{i}", daemon=True)
                t.start()
                threads.append(t)
            md5_hex: Optional[str] = None
            if self.want_md5:
                digest = new_md5()
                hashed = self._hash(fd, digest)
                if hashed == self.info.size:
                    md5_hex = str(digest.hexdigest())
            for t in threads:
                while t.is_alive():
                    t.join(0.2)
                    if self.cancel.cancelled:
                        self._stop.set()
            self._save(force=True)
            if self._error is not None:
                raise self._error
            self.cancel.check()
            if self._watermark() != self.info.size:
                raise RfsyncError(f"download {self.key}: not every range arrived")
            got = self._got or self.info
            if md5_hex is not None and is_md5(got.etag) and md5_hex != got.etag.lower():
                md5_hex = self._repair(fd, got.etag.lower(), md5_hex)
            return got, md5_hex, self.resumed
        finally:
            self._stop.set()
            os.close(fd)

    # -- repair --------------------------------------------------------------------
    def _file_md5(self, fd: int) -> str:
        digest = new_md5()
        pos = 0
        while pos < self.info.size:
            data = os.pread(fd, min(HASH_CHUNK, self.info.size - pos), pos)
            if not data:
                break
            digest.update(data)
            pos += len(data)
        return str(digest.hexdigest())

    def _compare_range(self, fd: int, start: int, end: int) -> bool:
        """Read ``[start, end)`` again, rewrite the chunks that differ from the ``.part``; True if any did."""
        changed = [False]
        fetch = self

        class Comparer:
            def __init__(self) -> None:
                self.pos = start

            def write(self, data: Any) -> int:
                n = min(len(data), end - self.pos)
                if n <= 0:
                    raise _RangeFull()
                fetch.recount(n)  # bandwidth cap and cancel, as for the first pass
                fresh = bytes(memoryview(data)[:n])
                if os.pread(fd, n, self.pos) != fresh:
                    view = memoryview(fresh)
                    pos = self.pos
                    while view:
                        written = os.pwrite(fd, view, pos)
                        view, pos = view[written:], pos + written
                    changed[0] = True
                self.pos += n
                if self.pos >= end and end < fetch.info.size:
                    raise _RangeFull()
                return n

        def attempt() -> None:
            writer = Comparer()  # an attempt cut off starts the range over: the compare is idempotent
            length = end - start if end < self.info.size else None
            try:
                self.storage.get_to_file(self.key, writer, offset=start, length=length, hook=no_hook)
            except _RangeFull:
                return
            if writer.pos < end:
                raise StorageError(f"download {self.key}: range {start}-{end - 1} ended early",
                                   code="ShortRead", key=self.key)

        retry_call(attempt, cancel=self.cancel, describe=f"download {self.key} bytes {start}-{end - 1} again",
                   watch=self.watch)
        return changed[0]

    def _repair(self, fd: int, want: str, have: str) -> str:
        """Make the ``.part`` match MD5 ``want`` by reading its ranges again (see the module doc)."""
        for _ in range(REPAIR_PASSES):
            changed_any = False
            for start, end in self.ranges:
                self.cancel.check()
                if self._compare_range(fd, start, end):
                    changed_any = True
                    have = self._file_md5(fd)
                    if have == want:
                        return have
            if not changed_any:
                break
        raise StorageError(
            f"download {self.key}: the file does not match the storage (MD5 {have} instead of {want}) after "
            f"reading its {len(self.ranges)} ranges again; the .part is kept and a rerun repairs it",
            code="BadDigest", key=self.key)
