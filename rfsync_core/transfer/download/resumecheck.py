"""Checking a resumed single-stream ``.part`` when the object's ETag is not a plain MD5.

Why: a ``.part`` is resumed when it is smaller than the object and not older than it, and then only its
tail is fetched. With an MD5 ETag the whole file is checked afterwards; without one, a ``.part`` whose
first bytes are wrong (written by something else, or by another version) used to be kept.

* A multipart ETag (``md5-of-md5s-N``, S3 and rclone for multipart uploads) is recomputed from the file
  for the part sizes an uploader would have used (:func:`part_size_candidates`) in one read. A match
  proves the file; no match (an uploader with an unusual part size) means it cannot be proved, and the
  caller downloads the file again from the start rather than keep a resume it cannot check.
* No ETag at all (a folder platform) gives nothing to compute: before resuming, the first and the last
  :data:`SPOT` bytes of the ``.part`` are compared with the same ranges of the object
  (:func:`prefix_matches`; two bounded reads), so a wrong start or a wrong version is caught.
"""

from __future__ import annotations

import io
import re
from typing import Any, Dict, List

from ..._files import MiB, new_md5
from ...storage.base import S3_MIN_PART_SIZE, Storage
from ..progress import CancelToken
from ..upload.multipart import part_size_for

SPOT = 1 * MiB
"""Bytes compared at each end of a resumed ``.part`` whose object gives no checksum."""
_READ = 1 * MiB
_COMMON_MIB = (5, 8, 10, 15, 16, 25, 32, 50, 64, 100, 128, 256, 512)
"""Part sizes of common uploaders (MiB): rclone 5, boto3 and the AWS CLI 8, s3cmd 15, mc 16, … (unconfirmed
beyond rclone's documented 5 MiB chunk and boto3's 8 MiB ``multipart_chunksize`` default)."""
_MAX_CANDIDATES = 8
_MULTIPART = re.compile(r"^[0-9a-f]{32}-([1-9][0-9]{0,4})$")


def multipart_count(etag: str) -> int:
    """N of a multipart ETag ``<32 hex>-N``, or 0 for anything else."""
    m = _MULTIPART.match(etag.strip('"').lower())
    return int(m.group(1)) if m else 0


def part_size_candidates(size: int, parts: int, own_min: int) -> List[int]:
    """Part sizes that give exactly ``parts`` parts for ``size`` bytes, most likely first: the even split
    (exact and rounded up to a MiB), this engine's own choice, then common uploaders' sizes."""
    even = -(-size // parts)
    order = [even, -(-even // MiB) * MiB, part_size_for(size, own_min), part_size_for(size, S3_MIN_PART_SIZE)]
    order += [m * MiB for m in _COMMON_MIB]
    seen: List[int] = []
    for p in order:
        if p > 0 and p not in seen and -(-size // p) == parts:
            seen.append(p)
    return seen[:_MAX_CANDIDATES]


def multipart_etags(path: str, part_sizes: List[int], cancel: CancelToken) -> Dict[int, str]:
    """The multipart ETag the file would have for each part size, computed in one read of the file."""
    # per part size: digest of the current part, its bytes so far, the digests of the parts done
    state: Dict[int, List[Any]] = {p: [new_md5(), 0, []] for p in part_sizes}
    with open(path, "rb") as fh:
        while True:
            cancel.check()
            data = memoryview(fh.read(_READ))
            if not data:
                break
            for p, st in state.items():
                view = data
                while view:
                    take = min(len(view), p - st[1])
                    st[0].update(view[:take])
                    st[1] += take
                    view = view[take:]
                    if st[1] == p:
                        st[2].append(st[0].digest())
                        st[0], st[1] = new_md5(), 0
    out: Dict[int, str] = {}
    for p, st in state.items():
        digests = st[2] + ([st[0].digest()] if st[1] else [])
        out[p] = f"{_md5_hex(b''.join(digests))}-{len(digests)}"
    return out


def _md5_hex(data: bytes) -> str:
    digest = new_md5()
    digest.update(data)
    return str(digest.hexdigest())


def check_multipart(path: str, etag: str, size: int, own_min: int, cancel: CancelToken) -> str:
    """'' when the file's multipart ETag for a usual part size is ``etag``; else why it cannot be trusted."""
    parts = multipart_count(etag)
    sizes = part_size_candidates(size, parts, own_min) if parts else []
    want = etag.strip('"').lower()
    if sizes and want in multipart_etags(path, sizes, cancel).values():
        return ""
    tried = ", ".join(f"{p / MiB:g} MiB" for p in sizes) or "none fits"
    return f"multipart ETag {want} matches none of the usual part sizes ({tried})"


def prefix_matches(storage: Storage, key: str, part: str, have: int) -> bool:
    """Do the first and the last :data:`SPOT` bytes of the ``have`` bytes in ``part`` match the object?"""
    spans = [(0, min(SPOT, have))]
    if have > SPOT:
        spans.append((max(SPOT, have - SPOT), have))
    with open(part, "rb") as fh:
        for start, end in spans:
            fh.seek(start)
            local = fh.read(end - start)
            remote = io.BytesIO()
            storage.get_to_file(key, remote, offset=start, length=end - start)
            if remote.getvalue() != local:
                return False
    return True

