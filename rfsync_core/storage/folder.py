"""Folder storage: a local directory or a mounted share.

Every write goes to a temp name beside the target (``.<name>.rfsync-<random>.tmp``),
is fsynced, checked (size, and MD5 when the caller gave one) and only then
renamed over the target with ``os.replace``, so a failed or cancelled transfer
never leaves a complete-looking file. Multipart uploads are emulated under
``<root>/.rfsync-multipart/<upload_id>/`` with one file per part named after its
number and MD5, so listing the parts needs no extra bookkeeping.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import shutil
import tempfile
import threading
import uuid
from typing import BinaryIO, Callable, Dict, Iterable, Iterator, List, NoReturn, Optional, Sequence, Tuple

from ..errors import (
    AccessDeniedError,
    BadDigestError,
    ChangedDuringTransferError,
    LocalPathError,
    NotFoundError,
    StorageConnectionError,
    StorageError,
    TransferCancelled,
    UnsafePathError,
)
from ..paths import safe_join
from . import CHUNK_SIZE, DEFAULT_MIN_PART_SIZE, DEFAULT_MULTIPART_THRESHOLD, MAX_PARTS
from .base import ByteHook, ObjectInfo, PartInfo, no_hook

MULTIPART_DIR = ".rfsync-multipart"
_TEMP_RE = re.compile(r"^\..*\.rfsync-[^/]*\.tmp$")
_UPLOAD_ID_RE = re.compile(r"^[0-9a-f]{32}$")
_PART_RE = re.compile(r"^(\d{5})\.([0-9a-f]{32})\.part$")
_TRANSIENT_ERRNOS = {
    getattr(errno, name)
    for name in ("EIO", "ETIMEDOUT", "ESTALE", "ENETDOWN", "ENETUNREACH", "EHOSTDOWN", "EHOSTUNREACH",
                 "ECONNRESET", "ECONNABORTED", "EAGAIN", "EBUSY")
    if hasattr(errno, name)
}


def _read_chunks(fh: BinaryIO, path: str, length: Optional[int], chunk: int) -> Iterator[bytes]:
    """Read a local source file; its errors are LocalPathError, never a storage error."""
    left = length
    while left is None or left > 0:
        want = chunk if left is None else min(chunk, left)
        try:
            data = fh.read(want)
        except OSError as exc:
            raise LocalPathError(f"cannot read {path}: {exc.strerror or exc}") from None
        if not data:
            return
        if left is not None:
            left -= len(data)
        yield data


def _open_source(path: str) -> Tuple[BinaryIO, int]:
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed by the caller
        size = os.fstat(fh.fileno()).st_size
    except OSError as exc:
        raise LocalPathError(f"cannot open {path}: {exc.strerror or exc}") from None
    return fh, size


def fsync_dir(path: str) -> None:
    """Make a rename durable where the OS allows it (not on Windows, not on some shares)."""
    if os.name == "nt":
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


class FolderStorage:
    """Objects as files under ``root``. Thread-safe (every write is its own temp file)."""

    max_parts: int = MAX_PARTS

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        multipart_threshold: int = DEFAULT_MULTIPART_THRESHOLD,
        min_part_size: int = DEFAULT_MIN_PART_SIZE,
        chunk_size: int = CHUNK_SIZE,
        fsync: bool = True,
    ) -> None:
        self.root = os.path.abspath(os.fspath(root))
        self.name = self.root
        self.multipart_threshold = multipart_threshold
        self.min_part_size = min_part_size
        self.chunk_size = chunk_size
        self.fsync = fsync
        self._generation = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FolderStorage(root={self.root!r})"

    # -- plumbing ----------------------------------------------------------------------------------------
    def _path(self, key: str) -> str:
        """The file of ``key`` under the root: :func:`paths.safe_join` plus this engine's reserved names."""
        parts = key.split("/")
        if parts[0] == MULTIPART_DIR:
            raise UnsafePathError(f"storage key {key!r} is inside rfsync's multipart folder")
        if any(_TEMP_RE.match(part) for part in parts):
            raise UnsafePathError(f"storage key {key!r} looks like an rfsync temp file")
        return safe_join(self.root, key)

    def _check(self, generation: int) -> None:
        if generation != self._generation:
            raise TransferCancelled(f"transfer on {self.name} interrupted")

    def _fail(self, exc: OSError, op: str, key: str, path: str) -> NoReturn:
        where = f"{op} {key!r} in {self.root}"
        reason = exc.strerror or str(exc)
        if isinstance(exc, (FileNotFoundError, IsADirectoryError, NotADirectoryError)) and op in (
            "head", "download", "list parts of", "complete multipart upload",
        ):
            raise NotFoundError(f"{where} failed: not found ({path})", code="NoSuchKey", key=key) from exc
        if isinstance(exc, PermissionError):
            raise AccessDeniedError(
                f"{where} failed: permission denied on {path}. Check the permissions of the folder {self.root}",
                code="AccessDenied", key=key,
            ) from exc
        if exc.errno in _TRANSIENT_ERRNOS:
            raise StorageConnectionError(f"{where} failed: {reason} ({path})",
                                         code=errno.errorcode.get(exc.errno or 0, "OSError"), key=key) from exc
        code = errno.errorcode.get(exc.errno or 0, type(exc).__name__)
        raise StorageError(f"{where} failed: {reason} ({path})", code=code, key=key) from exc

    def _atomic_write(
        self,
        key: str,
        target: str,
        chunks: Iterable[bytes],
        *,
        op: str,
        hook: ByteHook = no_hook,
        expected_size: Optional[int] = None,
        md5: Optional[bytes] = None,
        source: str = "",
        rename_to: Optional[Callable[[str], str]] = None,
    ) -> Tuple[int, str]:
        """Write ``chunks`` to a temp file beside ``target``, verify, fsync, rename. Returns (size, md5 hex).

        ``rename_to`` (md5 hex -> path in the same folder) names the result after its content.
        """
        gen = self._generation
        parent = os.path.dirname(target)
        base = os.path.basename(target)
        try:
            os.makedirs(parent, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{base[:100]}.rfsync-", suffix=".tmp", dir=parent)
        except OSError as exc:
            self._fail(exc, op, key, parent)
        digest = hashlib.md5()
        size = 0
        try:
            try:
                with os.fdopen(fd, "wb") as out:
                    for chunk in chunks:
                        self._check(gen)
                        hook(len(chunk))
                        self._check(gen)
                        out.write(chunk)
                        digest.update(chunk)
                        size += len(chunk)
                    out.flush()
                    if self.fsync:
                        os.fsync(out.fileno())
            except OSError as exc:
                self._fail(exc, op, key, tmp)
            if expected_size is not None and size != expected_size:
                raise ChangedDuringTransferError(
                    f"{source or key} changed while being copied: {size} bytes read, {expected_size} expected"
                )
            if md5 is not None and digest.digest() != md5:
                raise BadDigestError(
                    f"{op} {key!r} in {self.root}: the bytes' MD5 {digest.hexdigest()} is not the expected "
                    f"{md5.hex()}", code="BadDigest", key=key,
                )
            self._check(gen)
            if rename_to is not None:
                target = rename_to(digest.hexdigest())
            try:
                os.replace(tmp, target)
            except OSError as exc:
                self._fail(exc, op, key, target)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        if self.fsync:
            fsync_dir(parent)
        return size, digest.hexdigest()

    # -- objects -----------------------------------------------------------------------------------------
    def put_file(self, key: str, path: str, *, md5: Optional[bytes] = None, hook: ByteHook = no_hook) -> ObjectInfo:
        target = self._path(key)
        fh, expected = _open_source(path)
        with fh:
            size, etag = self._atomic_write(
                key, target, _read_chunks(fh, path, None, self.chunk_size), op="upload", hook=hook,
                expected_size=expected, md5=md5, source=path,
            )
        return ObjectInfo(key=key, size=size, etag=etag, mtime=self._mtime(target))

    def put_bytes(self, key: str, data: bytes) -> ObjectInfo:
        target = self._path(key)
        size, etag = self._atomic_write(key, target, [bytes(data)] if data else [], op="upload")
        return ObjectInfo(key=key, size=size, etag=etag, mtime=self._mtime(target))

    def _mtime(self, path: str) -> float:
        try:
            return os.stat(path).st_mtime
        except OSError:
            return 0.0

    def get_bytes(self, key: str) -> bytes:
        path = self._path(key)
        try:
            with open(path, "rb") as fh:
                return fh.read()
        except OSError as exc:
            self._fail(exc, "download", key, path)

    def head(self, key: str) -> ObjectInfo:
        """Size and mtime from ``stat``. The ETag is empty: a folder cannot tell an MD5 without reading."""
        path = self._path(key)
        try:
            st = os.stat(path)
        except OSError as exc:
            self._fail(exc, "head", key, path)
        if not os.path.isfile(path):
            raise NotFoundError(f"head {key!r} in {self.root} failed: not a file ({path})", code="NoSuchKey",
                                key=key)
        return ObjectInfo(key=key, size=st.st_size, etag="", mtime=st.st_mtime)

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        """Every file whose key starts with ``prefix``, in key order; temp and multipart files are skipped."""
        if "\x00" in prefix or "\\" in prefix or prefix.startswith("/"):
            raise UnsafePathError(f"listing prefix {prefix!r} must be a relative '/'-separated key prefix")
        folder = prefix.rsplit("/", 1)[0] if "/" in prefix else ""
        start = self._path(folder) if folder else self.root
        errors: List[OSError] = []
        found: List[ObjectInfo] = []
        for dirpath, dirnames, filenames in os.walk(start, onerror=errors.append):
            rel = os.path.relpath(dirpath, self.root)
            base = "" if rel == "." else rel.replace(os.sep, "/") + "/"
            if not base:
                dirnames[:] = [d for d in dirnames if d != MULTIPART_DIR]
            dirnames[:] = [
                d for d in dirnames if (base + d + "/").startswith(prefix) or prefix.startswith(base + d + "/")
            ]
            for name in filenames:
                key = base + name
                if _TEMP_RE.match(name) or not key.startswith(prefix):
                    continue
                try:
                    st = os.stat(os.path.join(dirpath, name))
                except FileNotFoundError:
                    continue  # removed while listing
                except OSError as exc:
                    self._fail(exc, "list", key, os.path.join(dirpath, name))
                found.append(ObjectInfo(key=key, size=st.st_size, etag="", mtime=st.st_mtime))
        real_errors = [e for e in errors if not isinstance(e, FileNotFoundError)]
        if real_errors:
            first = real_errors[0]
            self._fail(first, "list", prefix, getattr(first, "filename", None) or start)
        found.sort(key=lambda info: info.key)
        yield from found

    def get_to_file(
        self, key: str, fileobj: BinaryIO, *, offset: int = 0, hook: ByteHook = no_hook
    ) -> ObjectInfo:
        path = self._path(key)
        gen = self._generation
        try:
            fh = open(path, "rb")  # noqa: SIM115 - closed below
        except OSError as exc:
            self._fail(exc, "download", key, path)
        with fh:
            try:
                st = os.fstat(fh.fileno())
                if offset > st.st_size:
                    raise StorageError(
                        f"download {key!r} in {self.root}: offset {offset} is past the end (size {st.st_size})",
                        code="InvalidRange", key=key,
                    )
                fh.seek(offset)
                received = 0
                while True:
                    self._check(gen)
                    data = fh.read(self.chunk_size)
                    if not data:
                        break
                    hook(len(data))
                    fileobj.write(data)
                    received += len(data)
            except OSError as exc:
                self._fail(exc, "download", key, path)
        if offset + received != st.st_size:
            raise StorageConnectionError(
                f"download {key!r} in {self.root}: the file changed size while being read", code="ShortRead",
                key=key,
            )
        return ObjectInfo(key=key, size=st.st_size, etag="", mtime=st.st_mtime)

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            os.remove(path)
        except (FileNotFoundError, IsADirectoryError):
            return
        except OSError as exc:
            if os.path.isdir(path):
                return
            self._fail(exc, "delete", key, path)

    # -- multipart -----------------------------------------------------------------------------------------
    def _upload_dir(self, key: str, upload_id: str, op: str) -> str:
        """The folder of an unfinished upload of ``key``; NotFoundError (NoSuchUpload) when it is gone."""
        self._path(key)
        folder = os.path.join(self.root, MULTIPART_DIR, upload_id)
        missing = NotFoundError(f"{op} {key!r} in {self.root} failed: no such multipart upload {upload_id!r}",
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

    def create_multipart(self, key: str) -> str:
        self._path(key)
        upload_id = uuid.uuid4().hex
        folder = os.path.join(self.root, MULTIPART_DIR, upload_id)
        meta = json.dumps({"key": key}).encode("utf-8")
        self._atomic_write(key, os.path.join(folder, "meta.json"), [meta], op="start multipart upload")
        return upload_id

    def _parts(self, folder: str) -> Dict[int, Tuple[str, str, int, float]]:
        """Part number -> (file name, md5 hex, size, mtime); the newest file wins a duplicate."""
        out: Dict[int, Tuple[str, str, int, float]] = {}
        for entry in os.scandir(folder):
            m = _PART_RE.match(entry.name)
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

    def upload_part(
        self,
        key: str,
        upload_id: str,
        number: int,
        path: str,
        offset: int,
        length: int,
        *,
        md5: Optional[bytes] = None,
        hook: ByteHook = no_hook,
    ) -> PartInfo:
        if not 1 <= number <= self.max_parts:
            raise ValueError(f"part number {number} is outside 1..{self.max_parts}")
        op = f"upload part {number} of"
        folder = self._upload_dir(key, upload_id, op)
        fh, file_size = _open_source(path)
        with fh:
            if offset + length > file_size:
                raise ChangedDuringTransferError(
                    f"{path} is {file_size} bytes, shorter than the {offset + length} bytes to send"
                )
            try:
                fh.seek(offset)
            except OSError as exc:
                raise LocalPathError(f"cannot read {path}: {exc.strerror or exc}") from None
            size, etag = self._atomic_write(
                key, os.path.join(folder, f"{number:05d}.part"), _read_chunks(fh, path, length, self.chunk_size),
                op=op, hook=hook, expected_size=length, md5=md5, source=path,
                rename_to=lambda digest: os.path.join(folder, f"{number:05d}.{digest}.part"),
            )
        final = os.path.join(folder, f"{number:05d}.{etag}.part")
        for other in self._parts_named(folder, number):
            if other != os.path.basename(final):
                try:
                    os.unlink(os.path.join(folder, other))
                except OSError:
                    pass
        return PartInfo(number=number, size=size, etag=etag)

    @staticmethod
    def _parts_named(folder: str, number: int) -> List[str]:
        try:
            return [n for n in os.listdir(folder) if n.startswith(f"{number:05d}.") and n.endswith(".part")]
        except OSError:
            return []

    def list_parts(self, key: str, upload_id: str) -> List[PartInfo]:
        folder = self._upload_dir(key, upload_id, "list parts of")
        try:
            parts = self._parts(folder)
        except OSError as exc:
            self._fail(exc, "list parts of", key, folder)
        return [PartInfo(number=n, size=parts[n][2], etag=parts[n][1]) for n in sorted(parts)]

    def complete_multipart(self, key: str, upload_id: str, parts: Sequence[PartInfo]) -> ObjectInfo:
        op = "complete multipart upload"
        target = self._path(key)
        folder = self._upload_dir(key, upload_id, op)
        ordered = sorted(parts, key=lambda p: p.number)
        numbers = [p.number for p in ordered]
        if not ordered or len(set(numbers)) != len(numbers):
            raise ValueError("complete_multipart needs at least one part and no duplicate part numbers")
        files = []
        for part in ordered:
            name = f"{part.number:05d}.{part.etag.lower()}.part"
            if not _PART_RE.match(name) or not os.path.isfile(os.path.join(folder, name)):
                raise StorageError(
                    f"{op} {key!r} in {self.root}: part {part.number} with ETag {part.etag!r} was not uploaded",
                    code="InvalidPart", key=key,
                )
            files.append(os.path.join(folder, name))

        def chunks() -> Iterator[bytes]:
            for name in files:
                try:
                    with open(name, "rb") as fh:
                        yield from _read_chunks(fh, name, None, self.chunk_size)
                except OSError as exc:
                    self._fail(exc, op, key, name)

        size, etag = self._atomic_write(key, target, chunks(), op=op)
        shutil.rmtree(folder, ignore_errors=True)
        return ObjectInfo(key=key, size=size, etag=etag, mtime=self._mtime(target))

    def abort_multipart(self, key: str, upload_id: str) -> None:
        try:
            folder = self._upload_dir(key, upload_id, "abort multipart upload")
        except NotFoundError:
            return
        shutil.rmtree(folder, ignore_errors=True)

    # -- lifecycle -----------------------------------------------------------------------------------------
    def interrupt(self) -> None:
        """Make every copy in progress stop at its next chunk with TransferCancelled."""
        with self._lock:
            self._generation += 1

    def close(self) -> None:
        """Nothing to release: files are opened per call."""

