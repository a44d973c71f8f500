"""How a folder platform keeps unfinished multipart uploads.

An upload of ``key`` is the folder ``<root>/.rfsync-multipart/<upload_id>/``
holding ``meta.json`` (``{"key": key}``: an upload id works only for its own
key) and one file per part named after its number and MD5
(``00007.<md5>.part``), so listing the parts needs no extra bookkeeping and a
part file can never claim bytes it does not hold. :class:`~.folder.FolderStorage`
writes these files atomically; this module only names and reads them.
"""

from __future__ import annotations

import json
import os
import re
from typing import Dict, List, Tuple

from ..errors import NotFoundError, StorageError

MULTIPART_DIR = ".rfsync-multipart"
"""The hidden folder under the root that holds unfinished uploads (never listed, never a key)."""
_UPLOAD_ID_RE = re.compile(r"^[0-9a-f]{32}$")
PART_RE = re.compile(r"^(\d{5})\.([0-9a-f]{32})\.part$")


def upload_folder(root: str, upload_id: str) -> str:
    """The folder of upload ``upload_id`` (which need not exist)."""
    return os.path.join(root, MULTIPART_DIR, upload_id)


def meta_json(key: str) -> bytes:
    """The ``meta.json`` that binds an upload to its key."""
    return json.dumps({"key": key}).encode("utf-8")


def part_name(number: int, md5_hex: str) -> str:
    return f"{number:05d}.{md5_hex}.part"


def check_upload(root: str, key: str, upload_id: str, op: str) -> str:
    """The folder of an unfinished upload of ``key``; NotFoundError (NoSuchUpload) when it is gone.

    An id that is not 32 hex digits (``../../etc``) or that belongs to another key is "not found" too.
    """
    folder = upload_folder(root, upload_id)
    missing = NotFoundError(f"{op} {key!r} in {root} failed: no such multipart upload {upload_id!r}",
                            code="NoSuchUpload", key=key)
    if not _UPLOAD_ID_RE.match(upload_id or ""):
        raise missing
    try:
        with open(os.path.join(folder, "meta.json"), encoding="utf-8") as fh:
            meta = json.load(fh)
    except FileNotFoundError:
        raise missing from None
    except (OSError, ValueError) as exc:
        raise StorageError(f"{op} {key!r}: unreadable multipart state in {folder}: {exc}",
                           code="BadUploadState", key=key) from exc
    if not isinstance(meta, dict) or meta.get("key") != key:
        raise missing
    return folder


def read_parts(folder: str) -> Dict[int, Tuple[str, str, int, float]]:
    """Part number -> (file name, md5 hex, size, mtime); the newest file wins a duplicate."""
    out: Dict[int, Tuple[str, str, int, float]] = {}
    for entry in os.scandir(folder):
        m = PART_RE.match(entry.name)
        if not m:
            continue
        try:
            st = entry.stat()
        except FileNotFoundError:
            continue
        number = int(m.group(1))
        if number not in out or st.st_mtime > out[number][3]:
            out[number] = (entry.name, m.group(2), st.st_size, st.st_mtime)
    return out


def files_of_part(folder: str, number: int) -> List[str]:
    """Every file name of part ``number`` (an upload retried with other bytes leaves an older one)."""
    try:
        return [n for n in os.listdir(folder) if n.startswith(f"{number:05d}.") and n.endswith(".part")]
    except OSError:
        return []
