"""Folder storage: a local directory or a mounted share.

Every write goes to a temp name beside the target (``.<name>.rfsync-<random>.tmp``,
:func:`rfsync_core._files.temp_name`, created with ``O_EXCL | O_NOFOLLOW`` so a
planted link is never written through), is fsynced, checked (size, and MD5 when
the caller gave one) and only then renamed over the target with ``os.replace``,
so a failed or cancelled transfer never leaves a complete-looking file.
Multipart uploads are emulated under ``<root>/.rfsync-multipart/<upload_id>/``
(:mod:`.folder_multipart`).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import threading
import uuid
from typing import Callable, Iterable, Iterator, List, NoReturn, Optional, Sequence, Tuple

from .._files import create_new, fsync_dir, temp_name
from ..errors import (
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
from .base import (
    CHUNK_SIZE,
    DEFAULT_MIN_PART_SIZE,
    DEFAULT_MULTIPART_THRESHOLD,
    MAX_PARTS,
    ByteHook,
    ObjectInfo,
    PartInfo,
    Writer,
    no_hook,
)
from .folder_io import open_source, read_chunks, storage_error
from .folder_multipart import (
    MULTIPART_DIR,
    PART_RE,
    check_upload,
    files_of_part,
    meta_json,
    part_name,
    read_parts,
    upload_folder,
)

__all__ = ["MULTIPART_DIR", "FolderStorage", "fsync_dir"]

_TEMP_RE = re.compile(r"^\..*\.rfsync-[^/]*\.tmp$")
"""Names hidden from listings and refused as keys: every :data:`rfsync_core._files.TEMP_RE` name (what
:func:`~rfsync_core._files.temp_name` gives now) and the ``tempfile.mkstemp`` names of earlier versions
(``.<name>.rfsync-<8 chars>.tmp``), so their leftovers stay hidden too."""
_OBJECT_MODE = 0o666
"""Temp files, and so the objects they become, get what the umask gives (0644 under the usual 022), as ``cp``
would: a farm's render nodes run as other users and must read them. A temp file is hidden and renamed only
once complete, so the wider mode never exposes a partial object."""


class FolderStorage:
    """Objects as files under ``root``. Thread-safe (every write is its own temp file)."""

    max_parts: int = MAX_PARTS
    checks_download_md5: bool = False
    """A folder keeps no MD5 (``head`` gives an empty ETag), so downloads are checked by the caller."""

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
        raise storage_error(exc, op, key, path, self.root) from exc

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
        try:
            os.makedirs(parent, exist_ok=True)
            tmp = temp_name(target)
            fd = create_new(tmp, _OBJECT_MODE)
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
        fh, expected = open_source(path)
        with fh:
            size, etag = self._atomic_write(
                key, target, read_chunks(fh, path, None, self.chunk_size), op="upload", hook=hook,
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
        self, key: str, fileobj: Writer, *, offset: int = 0, length: Optional[int] = None,
        hook: ByteHook = no_hook,
    ) -> ObjectInfo:
        """See :class:`Storage`; ``length`` reads only ``offset .. offset+length-1`` (fewer at the end)."""
        if length is not None and length < 1:
            raise ValueError("length must be >= 1")
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
                want = st.st_size - offset if length is None else min(length, st.st_size - offset)
                received = 0
                while length is None or received < want:  # unbounded: to the end, so growth is noticed
                    self._check(gen)
                    data = fh.read(self.chunk_size if length is None else min(self.chunk_size, want - received))
                    if not data:
                        break
                    hook(len(data))
                    fileobj.write(data)
                    received += len(data)
            except OSError as exc:
                self._fail(exc, "download", key, path)
        if received != want:
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
        return check_upload(self.root, key, upload_id, op)

    def create_multipart(self, key: str) -> str:
        self._path(key)
        upload_id = uuid.uuid4().hex
        folder = upload_folder(self.root, upload_id)
        self._atomic_write(key, os.path.join(folder, "meta.json"), [meta_json(key)], op="start multipart upload")
        return upload_id

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
        fh, file_size = open_source(path)
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
                key, os.path.join(folder, f"{number:05d}.part"), read_chunks(fh, path, length, self.chunk_size),
                op=op, hook=hook, expected_size=length, md5=md5, source=path,
                rename_to=lambda digest: os.path.join(folder, part_name(number, digest)),
            )
        final = part_name(number, etag)
        for other in files_of_part(folder, number):
            if other != final:
                try:
                    os.unlink(os.path.join(folder, other))
                except OSError:
                    pass
        return PartInfo(number=number, size=size, etag=etag)

    def list_parts(self, key: str, upload_id: str) -> List[PartInfo]:
        folder = self._upload_dir(key, upload_id, "list parts of")
        try:
            parts = read_parts(folder)
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
            name = part_name(part.number, part.etag.lower())
            if not PART_RE.match(name) or not os.path.isfile(os.path.join(folder, name)):
                raise StorageError(
                    f"{op} {key!r} in {self.root}: part {part.number} with ETag {part.etag!r} was not uploaded",
                    code="InvalidPart", key=key,
                )
            files.append(os.path.join(folder, name))

        def chunks() -> Iterator[bytes]:
            for name in files:
                try:
                    with open(name, "rb") as fh:
                        yield from read_chunks(fh, name, None, self.chunk_size)
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

