"""Getting one object into its verified ``<target>.part``: resume it or start afresh, with one stream
or with parallel ranges, then check it (the per-file steps around it are in :mod:`.run`).

A resumed single-stream ``.part`` is proved against the object however its ETag looks (an MD5, a
multipart ETag, or none: :mod:`.resumecheck`); one that cannot be proved is downloaded again from the start.
"""

from __future__ import annotations

import os
from typing import Callable, List, Optional, Protocol, Tuple

from ..._files import is_md5
from ...errors import BadDigestError, StorageError, UnsafePathError
from ...storage.base import ObjectInfo, Storage
from ..progress import CancelToken, ProgressTracker
from ..retry import retry_call
from ..throttle import TokenBucket
from ..watch import ServerWatch
from .part import PART_SUFFIX, fill_tail, shared_part, verify_part
from .ranged import RANGE_SIZE, RangedFetch, drop_state, load_state, state_path
from .ranged import supported as ranges_supported
from .resumecheck import check_multipart, multipart_count, prefix_matches


class _Options(Protocol):
    """What of :class:`~.run.FetchOptions` the ``.part`` steps read."""

    @property
    def durable(self) -> bool: ...
    @property
    def range_streams(self) -> int: ...
    @property
    def ranged_threshold(self) -> int: ...
    @property
    def range_size(self) -> Optional[int]: ...


class PartFiller:
    """The ``.part`` steps of a download :class:`~.run.Run` (a mixin: it uses the run's collaborators)."""

    options: _Options
    storage: Storage
    tracker: ProgressTracker
    limiter: TokenBucket
    cancel: CancelToken
    watch: ServerWatch

    def _wants_ranges(self, info: ObjectInfo) -> bool:
        return self.options.range_streams >= 2 and info.size >= self.options.ranged_threshold and ranges_supported()

    def _to_part(self, key: str, target: str, info: ObjectInfo) -> Tuple[ObjectInfo, int, os.stat_result]:
        """Fill ``<target>.part`` (resuming it when it fits the remote) and verify it.

        A ``.part`` with a ranges sidecar resumes range by range (when the sidecar matches the
        object); one without resumes its tail with a single stream, as it was written."""
        part = target + PART_SUFFIX
        resumed = 0
        ranged = self._wants_ranges(info)
        if shared_part(part):  # hard-linked to a file elsewhere: not ours to resume or write into
            os.remove(part)
            drop_state(part)
        if os.path.lexists(part):
            if os.path.islink(part) or not os.path.isfile(part):
                raise UnsafePathError(f"{part} exists and is not a regular file")
            if os.path.lexists(state_path(part)):
                if not ranged or load_state(part, info, self._range_size()) is None:
                    os.remove(part)
                    drop_state(part)
            else:
                size = os.path.getsize(part)
                fresh = not info.mtime or info.mtime <= os.path.getmtime(part) + 1.0
                if 0 < size <= info.size and fresh and self._start_matches(key, part, info, size):
                    resumed = size
                    ranged = False  # written by one stream: resume its tail the same way
                else:
                    os.remove(part)
        elif ranged:
            drop_state(part)
        for attempt in (1, 2):
            if ranged:
                got, md5_hex, counted, resumed = self._fill_ranged(key, part, info)
                st = os.stat(part)
            else:
                got, md5_hex, counted, st = self._fill(key, part, info)
            problem = verify_part(part, got, md5_hex, st.st_size)
            if not problem and resumed and not ranged and multipart_count(got.etag):
                problem = check_multipart(part, got.etag, got.size, self.storage.min_part_size, self.cancel)
            if not problem:
                if ranged:
                    drop_state(part)
                if self.options.durable:
                    with open(part, "r+b") as fh:  # writable: Windows refuses to fsync a read-only handle
                        os.fsync(fh.fileno())
                return got, resumed, st
            os.remove(part)
            if ranged:
                drop_state(part)
            if attempt == 1 and resumed:  # a stale .part from another version: start over once
                self.tracker.remove_bytes(counted, key)
                resumed = 0
                ranged = self._wants_ranges(info)
                continue
            raise StorageError(f"{key}: downloaded file does not match the storage ({problem})", key=key)
        raise AssertionError("unreachable")  # pragma: no cover

    def _start_matches(self, key: str, part: str, info: ObjectInfo, have: int) -> bool:
        """May a single-stream ``.part`` of ``have`` bytes be resumed? With an MD5 or a multipart ETag the
        whole file is checked after the tail arrives; without any, its two ends are compared first."""
        if is_md5(info.etag) or multipart_count(info.etag):
            return True
        return bool(retry_call(prefix_matches, self.storage, key, part, have, cancel=self.cancel,
                               describe=f"check {part}", watch=self.watch))

    def _range_size(self) -> int:
        if self.options.range_size:
            return max(1, int(self.options.range_size))
        return RANGE_SIZE

    def _count_hook(self, key: str) -> Tuple[Callable[[int], None], List[int]]:
        limiter, cancel, tracker = self.limiter, self.cancel, self.tracker
        counted = [0]

        def hook(n: int) -> None:
            limiter.consume(n, cancel)
            counted[0] += n
            tracker.add_bytes(n, key)

        return hook, counted

    def _fill_ranged(self, key: str, part: str, info: ObjectInfo) -> Tuple[ObjectInfo, Optional[str], int, int]:
        """Parallel ranged GETs into ``part``. Returns (info, MD5 or None, bytes counted, bytes resumed)."""
        hook, _counted = self._count_hook(key)
        fetch = RangedFetch(self.storage, key, part, info, streams=self.options.range_streams,
                            range_size=self._range_size(), count=hook, cancel=self.cancel,
                            want_md5=is_md5(info.etag), watch=self.watch,
                            recount=lambda n: self.limiter.consume(n, self.cancel))
        got, md5_hex, resumed = fetch.run()
        return got, md5_hex, info.size - resumed, resumed

    def _fill(self, key: str, part: str, info: ObjectInfo) -> Tuple[ObjectInfo, Optional[str], int, os.stat_result]:
        """Download the missing tail of ``part`` (retried; each attempt resumes).

        Returns (info, MD5 of the whole .part or None, bytes counted, the .part's stat)."""
        hook, counted = self._count_hook(key)
        want_md5 = is_md5(info.etag)

        def attempt() -> Tuple[ObjectInfo, Optional[str], os.stat_result]:
            self.cancel.check()
            try:
                return fill_tail(self.storage, key, part, info, hook, want_md5=want_md5)
            except BadDigestError:
                with open(part, "r+b") as f:
                    f.truncate(0)  # the bytes are wrong: the retry starts from scratch
                raise

        got, md5_hex, st = retry_call(attempt, cancel=self.cancel, describe=f"download {key}",
                                      watch=self.watch)
        return got, md5_hex, counted[0], st
