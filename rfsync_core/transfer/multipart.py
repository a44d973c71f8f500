"""Multipart uploads of the uploader: start or resume, parts, complete, abort.

The jobs run in the uploader's pool; their ``*_done`` halves run on the
scheduler thread, the only one that writes the records. A file's upload is
recorded before its first part is sent and each confirmed part as it arrives,
so a killed process resumes with only the missing parts (parts the server
already holds are compared by MD5 and kept). A part is read once: the storage
hashes it as it reads it (an extra pass only on resume, to compare with what
the server holds) and checks the server's answer against that MD5. A part the
server stored corrupted (:class:`PartCorruptedError`) restarts the upload once.
The multipart ETag is checked against the parts' MD5s at the end.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Deque, Dict, Optional, Tuple

from ..errors import BadDigestError, ChangedDuringTransferError, NotFoundError, StorageError, TransferCancelled
from ..storage.base import ObjectInfo, PartInfo, Storage
from .progress import CancelToken, ProgressTracker
from .records import PartRecord, Records

if TYPE_CHECKING:  # pragma: no cover
    from .upload import Uploader, UploadResult

MiB = 1024 * 1024
READ_CHUNK = 1 * MiB
MAX_PARTS = 10000


def part_size_for(size: int, min_part_size: int) -> int:
    """The part size: at least the engine's minimum, large enough for ≤ 10,000 parts (whole MiB)."""
    need = math.ceil(size / MAX_PARTS) if size > 0 else 0
    need = math.ceil(need / MiB) * MiB
    return max(min_part_size, need, 1)


def is_md5(etag: str) -> bool:
    return len(etag) == 32 and all(c in "0123456789abcdefABCDEF" for c in etag)


def md5_range(path: str, offset: int, length: int, cancel: CancelToken) -> bytes:
    """MD5 of ``length`` bytes from ``offset``, streamed (cancel-aware)."""
    digest = hashlib.md5()
    with open(path, "rb") as fh:
        fh.seek(offset)
        left = length
        while left > 0:
            cancel.check()
            data = fh.read(min(READ_CHUNK, left))
            if not data:
                raise ChangedDuringTransferError(f"{path}: became shorter while being read")
            digest.update(data)
            left -= len(data)
    return digest.digest()


class StaleJob(Exception):
    """A job for a file that already failed or restarted: its result is ignored."""


@dataclass
class FileState:
    local: str
    key: str
    size: int
    mtime_ns: int
    state: str = "pending"  # pending | done | skipped | failed
    change_retries: int = 0
    gen: int = 0
    # multipart
    upload_id: str = ""
    part_size: int = 0
    parts: Dict[int, PartInfo] = field(default_factory=dict)
    digests: Dict[int, bytes] = field(default_factory=dict)
    remaining: int = 0


class MultipartJobs:
    """The multipart half of the uploader's run (mixed into ``upload._Run``)."""

    if TYPE_CHECKING:  # provided by _Run
        up: Uploader
        storage: Storage
        records: Records
        tracker: ProgressTracker
        result: UploadResult
        token: CancelToken
        pid: str
        min_part: int
        part_queue: Deque[Tuple[str, FileState, Any]]

        def _retry(self, fn: Callable[..., Any], *args: Any, describe: str, **kwargs: Any) -> Any: ...
        def _send(self, f: FileState, fn: Callable[..., Any], *args: Any, check: Callable[[Any], None],
                  **kwargs: Any) -> Tuple[Any, int]: ...
        def _same_as_planned(self, f: FileState) -> None: ...
        def _server_has(self, f: FileState) -> bool: ...
        def _skip_after_check(self, f: FileState) -> None: ...
        def _finished(self, f: FileState, info: ObjectInfo, sent: int) -> None: ...

    def _job_init(self, f: FileState, gen: int) -> Tuple[str, str, int, Dict[int, PartInfo], Dict[int, PartRecord]]:
        """Find a resumable upload for this exact file, or start one. Runs in a worker."""
        self.token.check()
        if gen == 0:
            self.tracker.start_file(f.local)
        if gen == 0 and self.up.recheck and self._server_has(f):
            return ("skipped", "", 0, {}, {})
        self._same_as_planned(f)
        rec = self.records.get_multipart(self.pid, f.key)
        if rec is not None:
            if rec.local == f.local and rec.size == f.size and rec.mtime_ns == f.mtime_ns:
                try:
                    listed = self._retry(self.storage.list_parts, f.key, rec.upload_id, describe=f"resume {f.local}")
                    known = self.records.get_parts(self.pid, f.key, rec.upload_id)
                    return ("resume", rec.upload_id, rec.part_size, {p.number: p for p in listed}, known)
                except NotFoundError:
                    pass  # the upload is gone (completed, aborted or expired): start over
            else:
                try:
                    self.storage.abort_multipart(f.key, rec.upload_id)
                except StorageError:
                    pass  # best effort: the server forgets abandoned uploads eventually
        upload_id = self._retry(self.storage.create_multipart, f.key, describe=f"start upload of {f.local}")
        return ("fresh", upload_id, part_size_for(f.size, self.min_part), {}, {})

    def _init_done(self, f: FileState, out: Tuple[str, str, int, Dict[int, PartInfo], Dict[int, PartRecord]]) -> None:
        what, upload_id, part_size, listed, known = out
        if what == "skipped":
            self._skip_after_check(f)
            return
        if what == "fresh":
            # recorded before any part is sent, so a killed process can resume this upload
            self.records.put_multipart(self.pid, f.key, upload_id, f.local, f.size, f.mtime_ns, part_size)
        f.upload_id, f.part_size = upload_id, part_size
        f.parts.clear()
        f.digests.clear()
        count = max(1, math.ceil(f.size / part_size))
        jobs = []
        for n in range(1, count + 1):
            offset = (n - 1) * part_size
            length = min(part_size, f.size - offset)
            have = listed.get(n)
            if have is not None and have.size == length:
                mine = known.get(n)
                if mine is not None and mine.etag == have.etag and mine.size == length:
                    self._part_present(f, PartInfo(n, length, have.etag))
                    continue
                if is_md5(have.etag):
                    jobs.append(("part", f, (f.gen, n, offset, length, have.etag)))
                    continue
            jobs.append(("part", f, (f.gen, n, offset, length, "")))
        f.remaining = len(jobs)
        if not jobs:
            self.part_queue.append(("complete", f, f.gen))
        self.part_queue.extend(jobs)

    def _part_present(self, f: FileState, part: PartInfo) -> None:
        f.parts[part.number] = part
        if is_md5(part.etag):
            f.digests[part.number] = bytes.fromhex(part.etag)
        self.result.parts_reused += 1
        try:
            self.tracker.add_bytes(part.size)
        except TransferCancelled:
            pass

    def _job_part(self, f: FileState, extra: Tuple[int, int, int, int, str]) -> Tuple[PartInfo, bytes, int, bool]:
        gen, number, offset, length, listed_etag = extra
        if gen != f.gen or f.state != "pending":
            raise StaleJob()
        self.token.check()
        self._same_as_planned(f)
        if listed_etag:  # resume: the server holds a part of this size; send it again only if it differs
            md5: Optional[bytes] = md5_range(f.local, offset, length, self.token)
            assert md5 is not None
            if listed_etag.lower() == md5.hex():
                return (PartInfo(number, length, listed_etag), md5, 0, True)
        else:
            md5 = None  # the storage hashes the part as it reads it (one read of the file)

        def check(part: PartInfo) -> None:
            if md5 is not None and is_md5(part.etag) and part.etag.lower() != md5.hex():
                raise BadDigestError(
                    f"{f.local}: part {number}: the server's ETag {part.etag} is not the MD5 of what was sent",
                    code="BadDigest", key=f.key,
                )

        part, sent = self._send(
            f, self.storage.upload_part, f.key, f.upload_id, number, f.local, offset, length, md5=md5, check=check
        )
        if md5 is None:
            # The storage checked an MD5-shaped ETag against the bytes it sent; any other ETag: hash here.
            md5 = bytes.fromhex(part.etag) if is_md5(part.etag) else md5_range(f.local, offset, length, self.token)
        return (PartInfo(number, length, part.etag), md5, sent, False)

    def _part_done(
        self, f: FileState, extra: Tuple[int, int, int, int, str], out: Tuple[PartInfo, bytes, int, bool]
    ) -> None:
        gen = extra[0]
        part, md5, sent, reused = out
        if gen != f.gen:
            if sent:
                self.tracker.remove_bytes(sent)
            return
        if reused:
            self._part_present(f, part)
            f.digests[part.number] = md5
        else:
            f.parts[part.number] = part
            f.digests[part.number] = md5
            self.result.parts_sent += 1
            self.result.bytes_sent += sent
            self.records.put_part(self.pid, f.key, f.upload_id, part.number, part.size, part.etag)
        f.remaining -= 1
        if f.remaining == 0:
            self.part_queue.appendleft(("complete", f, f.gen))

    def _job_complete(self, f: FileState, gen: int) -> ObjectInfo:
        if gen != f.gen or f.state != "pending":
            raise StaleJob()
        self.token.check()
        self._same_as_planned(f)
        parts = [f.parts[n] for n in sorted(f.parts)]
        try:
            info: ObjectInfo = self._retry(
                self.storage.complete_multipart, f.key, f.upload_id, parts, describe=f"finish upload of {f.local}"
            )
        except NotFoundError:
            # a retried complete whose first attempt succeeded finds the upload gone: look at the object
            try:
                head = self.storage.head(f.key)
            except StorageError:
                head = None
            if head is None or head.size != f.size:
                raise
            info = head
        self._same_as_planned(f)
        if "-" in info.etag and len(f.digests) == len(parts):
            expected = hashlib.md5(b"".join(f.digests[n] for n in sorted(f.digests))).hexdigest()
            if info.etag.lower() != f"{expected}-{len(parts)}":
                raise BadDigestError(
                    f"{f.local}: the server's multipart ETag {info.etag} does not match the parts sent",
                    code="BadDigest", key=f.key,
                )
        return info

    def _complete_done(self, f: FileState, info: ObjectInfo) -> None:
        self.records.drop_multipart(self.pid, f.key)
        self._finished(f, ObjectInfo(f.key, f.size, info.etag), 0)

    def _job_abort(self, f: FileState, upload_id: str) -> None:
        try:
            self.storage.abort_multipart(f.key, upload_id)
        except (StorageError, TransferCancelled):
            pass
