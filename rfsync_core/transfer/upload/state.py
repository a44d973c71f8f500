"""One file's state through an upload run, and the per-file checks every job makes.

A job runs in a worker; what it finds is handed back to the scheduler thread, the only one that
changes a :class:`FileState` (``gen`` tells a job of a file that failed or restarted since: its
result is ignored).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Dict, Tuple

from ..._files import MiB, new_md5
from ...errors import AccessDeniedError, ChangedDuringTransferError, LocalPathError, NotFoundError, RfsyncError
from ...storage.base import PartInfo
from ..progress import CancelToken

READ_CHUNK = 1 * MiB


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
    verify: bool = False  # a record vouches for it but the sample could not be checked: HEAD it first
    # multipart
    upload_id: str = ""
    part_size: int = 0
    parts: Dict[int, PartInfo] = field(default_factory=dict)
    digests: Dict[int, bytes] = field(default_factory=dict)
    remaining: int = 0


Job = Tuple[str, FileState, Any]
"""``(kind, file, extra)``: kind is small | init | part | complete | abort."""


def same_as_planned(f: FileState) -> None:
    """Raise when the local file is gone or its size/mtime moved since the plan."""
    try:
        st = os.stat(f.local)
    except FileNotFoundError:
        raise LocalPathError(f"{f.local}: file was deleted during upload") from None
    except OSError as err:
        raise LocalPathError(f"{f.local}: cannot stat: {err.strerror or err}") from None
    if st.st_size != f.size or st.st_mtime_ns != f.mtime_ns:
        raise ChangedDuringTransferError(
            f"{f.local}: changed while being uploaded (size {f.size} → {st.st_size}, "
            f"mtime changed: {st.st_mtime_ns != f.mtime_ns}); not recorded"
        )


def md5_range(path: str, offset: int, length: int, cancel: CancelToken) -> bytes:
    """MD5 of ``length`` bytes from ``offset``, streamed (cancel-aware). The one ranged file MD5."""
    digest = new_md5()
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
    return bytes(digest.digest())


def describe_error(local: str, err: BaseException) -> str:
    """A one-line reason that names the file."""
    if isinstance(err, FileNotFoundError):
        text = "file not found (deleted during upload?)"
    elif isinstance(err, PermissionError):
        text = "cannot read: permission denied"
    elif isinstance(err, OSError):
        text = f"cannot read: {err.strerror or err}"
    elif isinstance(err, RfsyncError):
        text = str(err)
    else:
        text = f"internal error: {type(err).__name__}: {err}"
    text = " ".join(text.split())
    return text if local in text else f"{local}: {text}"


def is_fatal(err: BaseException) -> bool:
    """Errors that will fail every other file the same way (bad credentials, no such bucket)."""
    return isinstance(err, AccessDeniedError) or (
        isinstance(err, NotFoundError) and getattr(err, "code", "") == "NoSuchBucket"
    )
