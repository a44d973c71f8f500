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

import math
from typing import Callable, Deque, Dict, List, Optional, Tuple

from ..._files import MiB, is_md5, new_md5
from ...errors import BadDigestError, NotFoundError, StorageError, TransferCancelled
from ...storage.base import MAX_PARTS, ObjectInfo, PartInfo, Storage
from ..progress import CancelToken, ProgressTracker
from ..records import PartRecord, Records
from ..watch import ServerGoneError
from .result import UploadResult
from .send import Sender
from .state import FileState, Job, StaleJob, md5_range, same_as_planned

InitOutcome = Tuple[str, str, int, Dict[int, PartInfo], Dict[int, PartRecord]]
"""``(what, upload id, part size, parts listed by the server, parts in the records)``; what is
fresh | resume | skipped."""
PartJob = Tuple[int, int, int, int, str]
"""``(gen, number, offset, length, ETag the server lists for it or "")``."""
PartOutcome = Tuple[PartInfo, bytes, int, bool]
"""``(part, its MD5, bytes sent, reused)``."""


def part_size_for(size: int, min_part_size: int, max_parts: int = MAX_PARTS) -> int:
    """The part size: at least the engine's minimum, large enough for ≤ ``max_parts`` parts (whole MiB)."""
    need = math.ceil(size / max_parts) if size > 0 else 0
    need = math.ceil(need / MiB) * MiB
    return max(min_part_size, need, 1)


class MultipartUpload:
    """The multipart state machine of one upload run, a collaborator of its scheduler.

    Interface: the ``job_*`` methods run in the pool and only read a :class:`FileState`; the
    ``*_done`` methods run on the scheduler thread, change it, write the records, and put the
    follow-up jobs (parts, complete, abort) on ``jobs``, the scheduler's part queue.
    :meth:`init_done` returns False when a re-check found the file on the server (the scheduler
    skips it); :meth:`complete_done` returns the object's info (the scheduler finishes the file).
    """

    def __init__(self, storage: Storage, records: Records, sender: Sender, tracker: ProgressTracker,
                 cancel: CancelToken, result: UploadResult, pid: str, *, min_part_size: int,
                 server_has: Callable[[FileState], bool], jobs: Deque[Job], use_records: bool = True) -> None:
        self.storage = storage
        self.records = records
        self.sender = sender
        self.tracker = tracker
        self.token = cancel
        self.result = result
        self.pid = pid
        self.min_part = min_part_size
        self.max_parts: int = storage.max_parts
        self.server_has = server_has
        self.jobs = jobs
        self.use_records = use_records
        """False (``--no-db``): no multipart state is read or written either (a killed upload starts over)."""

    def drop(self, f: FileState) -> None:
        """Forget ``f``'s upload (an abort job drops its parts on the server)."""
        if f.upload_id:
            self.jobs.append(("abort", f, f.upload_id))
            if self.use_records:
                self.records.drop_multipart(self.pid, f.key)
            f.upload_id = ""
        f.parts.clear()
        f.digests.clear()

    def job_init(self, f: FileState, gen: int) -> InitOutcome:
        """Find a resumable upload for this exact file, or start one. Runs in a worker."""
        self.token.check()
        if gen == 0:
            self.tracker.start_file(f.local, f.size)
        if gen == 0 and self.server_has(f):
            return ("skipped", "", 0, {}, {})
        same_as_planned(f)
        rec = self.records.get_multipart(self.pid, f.key) if self.use_records else None
        if rec is not None:
            if rec.local == f.local and rec.size == f.size and rec.mtime_ns == f.mtime_ns:
                try:
                    listed = self.sender.retry(self.storage.list_parts, f.key, rec.upload_id,
                                               describe=f"resume {f.local}")
                    known = self.records.get_parts(self.pid, f.key, rec.upload_id)
                    return ("resume", rec.upload_id, rec.part_size, {p.number: p for p in listed}, known)
                except ServerGoneError:
                    raise
                except NotFoundError:
                    pass  # the upload is gone (completed, aborted or expired): start over
                except StorageError:
                    # anything but success (e.g. 405 from a server without ListParts): a fresh upload,
                    # never a file that fails on every rerun
                    self._abort_quietly(f, rec.upload_id)
            else:
                self._abort_quietly(f, rec.upload_id)
        upload_id = self.sender.retry(self.storage.create_multipart, f.key, describe=f"start upload of {f.local}")
        return ("fresh", upload_id, part_size_for(f.size, self.min_part, self.max_parts), {}, {})

    def _abort_quietly(self, f: FileState, upload_id: str) -> None:
        try:
            self.storage.abort_multipart(f.key, upload_id)
        except StorageError:
            pass  # best effort: the server forgets abandoned uploads eventually

    def init_done(self, f: FileState, out: InitOutcome) -> bool:
        """Queue the parts still missing; False when the file is already on the server."""
        what, upload_id, part_size, listed, known = out
        if what == "skipped":
            return False
        if what == "fresh" and self.use_records:
            # recorded before any part is sent, so a killed process can resume this upload
            self.records.put_multipart(self.pid, f.key, upload_id, f.local, f.size, f.mtime_ns, part_size)
        f.upload_id, f.part_size = upload_id, part_size
        f.parts.clear()
        f.digests.clear()
        count = max(1, math.ceil(f.size / part_size))
        jobs: List[Job] = []
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
            self.jobs.append(("complete", f, f.gen))
        self.jobs.extend(jobs)
        return True

    def _part_present(self, f: FileState, part: PartInfo) -> None:
        f.parts[part.number] = part
        if is_md5(part.etag):
            f.digests[part.number] = bytes.fromhex(part.etag)
        self.result.parts_reused += 1
        try:
            self.tracker.add_bytes(part.size, f.local)
        except TransferCancelled:
            pass

    def job_part(self, f: FileState, extra: PartJob) -> PartOutcome:
        gen, number, offset, length, listed_etag = extra
        if gen != f.gen or f.state != "pending":
            raise StaleJob()
        self.token.check()
        same_as_planned(f)
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

        part, sent = self.sender.send(
            f, self.storage.upload_part, f.key, f.upload_id, number, f.local, offset, length, md5=md5, check=check
        )
        if md5 is None:
            # The storage checked an MD5-shaped ETag against the bytes it sent; any other ETag: hash here.
            md5 = bytes.fromhex(part.etag) if is_md5(part.etag) else md5_range(f.local, offset, length, self.token)
        return (PartInfo(number, length, part.etag), md5, sent, False)

    def part_done(self, f: FileState, extra: PartJob, out: PartOutcome) -> None:
        gen = extra[0]
        part, md5, sent, reused = out
        if gen != f.gen:
            if sent:
                self.tracker.remove_bytes(sent, f.local)
            return
        if reused:
            self._part_present(f, part)
            f.digests[part.number] = md5
        else:
            f.parts[part.number] = part
            f.digests[part.number] = md5
            self.result.parts_sent += 1
            self.result.bytes_sent += sent
            if self.use_records:
                self.records.put_part(self.pid, f.key, f.upload_id, part.number, part.size, part.etag)
        f.remaining -= 1
        if f.remaining == 0:
            self.jobs.appendleft(("complete", f, f.gen))

    def job_complete(self, f: FileState, gen: int) -> ObjectInfo:
        if gen != f.gen or f.state != "pending":
            raise StaleJob()
        self.token.check()
        same_as_planned(f)
        parts = [f.parts[n] for n in sorted(f.parts)]
        try:
            info: ObjectInfo = self.sender.retry(
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
        same_as_planned(f)
        if "-" in info.etag and len(f.digests) == len(parts):
            digest = new_md5()
            digest.update(b"".join(f.digests[n] for n in sorted(f.digests)))
            expected = digest.hexdigest()
            if info.etag.lower() != f"{expected}-{len(parts)}":
                raise BadDigestError(
                    f"{f.local}: the server's multipart ETag {info.etag} does not match the parts sent",
                    code="BadDigest", key=f.key,
                )
        return info

    def complete_done(self, f: FileState, info: ObjectInfo) -> ObjectInfo:
        """Forget the finished upload; return what the scheduler records for the file."""
        if self.use_records:
            self.records.drop_multipart(self.pid, f.key)
        return ObjectInfo(f.key, f.size, info.etag)

    def job_abort(self, f: FileState, upload_id: str) -> None:
        try:
            self.storage.abort_multipart(f.key, upload_id)
        except (StorageError, TransferCancelled):
            pass
