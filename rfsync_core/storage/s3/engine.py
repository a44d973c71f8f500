"""The S3 engine: :class:`S3Storage`, the :class:`~rfsync_core.storage.base.Storage` operations.

Requests, signing and error mapping are in :mod:`.client`; the design notes
(why MD5 on every PUT, why parts stop sending it, why bodies are read once or
streamed) are in the package docstring, :mod:`rfsync_core.storage.s3`.
"""

from __future__ import annotations

import hashlib
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from ..._files import MiB, is_md5
from ...errors import (
    BadDigestError,
    ChangedDuringTransferError,
    NotFoundError,
    PartCorruptedError,
    ServerError,
    StorageConnectionError,
    StorageError,
    UnsafePathError,
)
from ..base import (
    CHUNK_SIZE,
    DEFAULT_MIN_PART_SIZE,
    DEFAULT_MULTIPART_THRESHOLD,
    MAX_PARTS,
    S3_MIN_PART_SIZE,
    ByteHook,
    ObjectInfo,
    PartInfo,
    Writer,
    check_key,
    no_hook,
)
from .body import (
    MAP_ABOVE,
    Buffer,
    BufferBudget,
    PartMaps,
    hashing,
    iter_slice,
    md5_of,
    open_source,
    read_slice,
)
from .client import S3Client
from .transport import DEFAULT_TIMEOUT, NET_ERRORS, read_body, release
from .util import b64, clean_etag, escape, http_time, iso_time, plan_range, xml_text

BUFFER_BUDGET = 96 * MiB
"""File bytes held in memory at once by one engine (all threads): the memory bound of uploads."""
SMALL_BODY = 64 * 1024
"""Bodies up to this size are sent as one block; bigger ones in ``chunk_size`` pieces (progress, cancel)."""
_NET_ERRORS = NET_ERRORS


class S3Storage(S3Client):
    """One bucket (and key prefix) on an S3-compatible server. Thread-safe."""

    max_parts: int = MAX_PARTS
    list_page_size: int = 1000
    """Keys per ListObjectsV2 page (and parts per ListParts page); tests lower it to exercise paging."""

    def __init__(
        self,
        *,
        endpoint: str,
        bucket: str,
        access_key: str,
        secret_key: str,
        prefix: str = "",
        region: str = "us-east-1",
        session_token: Optional[str] = None,
        path_style: bool = True,
        timeout: Tuple[float, float] = DEFAULT_TIMEOUT,
        pool_size: int = 10,
        verify_tls: bool = True,
        multipart_threshold: int = DEFAULT_MULTIPART_THRESHOLD,
        min_part_size: int = DEFAULT_MIN_PART_SIZE,
        chunk_size: int = CHUNK_SIZE,
        verify_etag: bool = True,
        ca_bundle: Optional[str] = None,
    ) -> None:
        super().__init__(endpoint=endpoint, bucket=bucket, access_key=access_key, secret_key=secret_key,
                         prefix=prefix, region=region, session_token=session_token, path_style=path_style,
                         timeout=timeout, pool_size=pool_size, verify_tls=verify_tls, ca_bundle=ca_bundle)
        if min_part_size < S3_MIN_PART_SIZE:
            raise StorageError("min_part_size must be at least 5 MiB (an S3 rule)", code="BadPartSize")
        self.multipart_threshold = multipart_threshold
        self.min_part_size = min_part_size
        self.chunk_size = chunk_size
        self.verify_etag = verify_etag
        self._budget = BufferBudget(BUFFER_BUDGET)
        self._part_maps = PartMaps()
        self._part_etags_are_md5 = False
        """Set once a part's ETag came back as the MD5 of what was sent; parts then skip ``Content-MD5``."""
        self.buffer_limit = max(min_part_size, 16 * MiB)
        """Slices up to this size are read once into memory (when the budget allows)."""

    # -- objects -----------------------------------------------------------------------------------------
    def _take(self, length: int) -> int:
        """Reserve ``length`` bytes of the budget for a slice held in memory (kept part maps are let go when
        they are what stands in the way); 0 when it cannot be held (it is streamed instead)."""
        if length > self.buffer_limit:
            return 0
        if self._budget.take(length):
            return length
        self._budget.give(self._part_maps.drain())
        return length if self._budget.take(length) else 0

    def _chunks(self, data: Buffer) -> Iterator[memoryview]:
        view = memoryview(data)
        step = self.chunk_size
        for start in range(0, len(view), step):
            yield view[start:start + step]

    def _put_stream(
        self,
        key: str,
        path: str,
        offset: int,
        length: Optional[int],
        md5: Optional[bytes],
        hook: ByteHook,
        params: Optional[Dict[str, Optional[str]]],
        op: str,
    ) -> Tuple[int, str]:
        gen = self._generation
        is_part = params is not None and "partNumber" in params
        send_md5 = not (is_part and self.verify_etag and self._part_etags_are_md5)
        fh, file_size = open_source(path)
        with fh:
            if length is None:
                length = file_size
            if offset + length > file_size:
                raise ChangedDuringTransferError(
                    f"{path} is {file_size} bytes, shorter than the {offset + length} bytes to send"
                )
            budget = self._budget
            reuse = self._part_maps.get(length) if is_part and length > MAP_ABOVE else None
            held = length if reuse is not None else self._take(length)
            kept = False
            try:
                if held or not length:
                    data = read_slice(fh, path, offset, length, reuse) if length else b""
                    if md5 is None:  # a given MD5 is sent as is: the server judges the bytes against it
                        md5 = hashlib.md5(data).digest()
                    headers = {"Content-MD5": b64(md5)} if send_md5 else {}
                    if length <= SMALL_BODY:
                        hook(length)
                        resp = self._request("PUT", key, op=op, params=params, headers=headers,
                                             body=bytes(data), unsigned=True, generation=gen)
                    else:
                        resp = self._request("PUT", key, op=op, params=params, headers=headers,
                                             stream=(length, self._chunks(data), hook), generation=gen)
                    kept = is_part and self._part_maps.put(data)  # its bytes stay taken while kept
                    del data
                else:
                    check = lambda: self._check(gen)  # noqa: E731
                    chunks: Iterator[bytes] = iter_slice(fh, path, offset, length, check, self.chunk_size)
                    digest = None
                    if send_md5 and md5 is None:
                        md5 = md5_of(fh, path, offset, length, check, self.chunk_size)
                    elif md5 is None:  # no header to send first: hash while streaming (one read of the file)
                        digest = hashlib.md5()
                        chunks = hashing(chunks, digest)
                    resp = self._request("PUT", key, op=op, params=params,
                                         headers={"Content-MD5": b64(md5)} if send_md5 and md5 else {},
                                         stream=(length, chunks, hook), generation=gen)
                    if digest is not None:
                        md5 = digest.digest()
                self._read_all(resp, op, key, gen)
            finally:
                if held and not kept:
                    budget.give(held)
        assert md5 is not None
        etag = clean_etag(resp.headers.get("ETag"))
        if self.verify_etag and is_md5(etag) and etag.lower() != md5.hex():
            if not send_md5:  # the server stored bytes that are not the ones sent
                self._part_etags_are_md5 = False  # this link corrupts data: let the server judge again
                raise PartCorruptedError(
                    f"{op} {self._where(key)}: the server's ETag {etag} is not the MD5 {md5.hex()} of what "
                    "was sent (the bytes were corrupted on the way)", code="BadDigest", status=resp.status_code,
                    key=key,
                )
            raise BadDigestError(
                f"{op} {self._where(key)}: the server's ETag {etag} is not the MD5 {md5.hex()} of what was sent",
                code="BadDigest", status=resp.status_code, key=key,
            )
        if is_part:
            self._part_etags_are_md5 = is_md5(etag)
        return length, etag or md5.hex()

    def put_file(self, key: str, path: str, *, md5: Optional[bytes] = None, hook: ByteHook = no_hook) -> ObjectInfo:
        """Single PUT of a whole file, streamed, with Content-MD5."""
        check_key(key)
        size, etag = self._put_stream(key, path, 0, None, md5, hook, None, "upload")
        return ObjectInfo(key=key, size=size, etag=etag)

    def put_bytes(self, key: str, data: bytes) -> ObjectInfo:
        check_key(key)
        md5 = hashlib.md5(data).digest()
        resp = self._request("PUT", key, op="upload", headers={"Content-MD5": b64(md5)}, body=bytes(data))
        self._read_all(resp, "upload", key, self._generation)
        etag = clean_etag(resp.headers.get("ETag"))
        if self.verify_etag and is_md5(etag) and etag.lower() != md5.hex():
            raise BadDigestError(f"upload {self._where(key)}: the server's ETag {etag} is not the MD5 sent",
                                 code="BadDigest", status=resp.status_code, key=key)
        return ObjectInfo(key=key, size=len(data), etag=etag or md5.hex())

    def get_bytes(self, key: str) -> bytes:
        check_key(key)
        gen = self._generation
        resp = self._request("GET", key, op="download", generation=gen)
        return self._read_all(resp, "download", key, gen)

    def head(self, key: str) -> ObjectInfo:
        check_key(key)
        resp = self._request("HEAD", key, op="head")
        release(resp)
        return ObjectInfo(
            key=key,
            size=int(resp.headers.get("Content-Length") or 0),
            etag=clean_etag(resp.headers.get("ETag")),
            mtime=http_time(resp.headers.get("Last-Modified")),
        )

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        if "\x00" in prefix or prefix.startswith("/"):
            raise UnsafePathError(f"listing prefix {prefix!r} must be relative")
        base = f"{self.prefix}/" if self.prefix else ""
        token: Optional[str] = None
        seen_tokens = set()
        while True:
            gen = self._generation
            params: Dict[str, Optional[str]] = {"list-type": "2", "prefix": base + prefix,
                                                 "max-keys": str(self.list_page_size)}
            if token:
                params["continuation-token"] = token
            resp = self._request("GET", None, op="list", params=params, generation=gen)
            root = self._read_xml(resp, "list", None, gen)
            for item in root.findall("Contents"):
                full = xml_text(item, "Key")
                if not full.startswith(base) or full.endswith("/"):
                    continue  # outside our prefix, or a folder marker some tools create: not an object
                yield ObjectInfo(
                    key=full[len(base):],
                    size=int(xml_text(item, "Size", "0") or 0),
                    etag=clean_etag(xml_text(item, "ETag")),
                    mtime=iso_time(xml_text(item, "LastModified")),
                )
            if xml_text(root, "IsTruncated").lower() != "true":
                return
            token = xml_text(root, "NextContinuationToken")
            if not token or token in seen_tokens:
                raise ServerError(f"list {self._where(None)}: the server's paging does not advance",
                                  code="BadPaging")
            seen_tokens.add(token)

    @property
    def checks_download_md5(self) -> bool:
        """``get_to_file`` from offset 0 checks the body's MD5 against an MD5 ETag (BadDigestError)."""
        return self.verify_etag

    def get_to_file(
        self, key: str, fileobj: Writer, *, offset: int = 0, length: Optional[int] = None,
        hook: ByteHook = no_hook,
    ) -> ObjectInfo:
        """See :class:`Storage`. ``length`` bounds the range (``Range: bytes=offset-(offset+length-1)``),
        so a ranged download reads exactly its range: the connection stays reusable and the server
        sends no bytes in vain."""
        check_key(key)
        if offset < 0:
            raise ValueError("offset must be >= 0")
        if length is not None and length < 1:
            raise ValueError("length must be >= 1")
        gen = self._generation
        if length is not None:
            headers: Optional[Dict[str, str]] = {"Range": f"bytes={offset}-{offset + length - 1}"}
        else:
            headers = {"Range": f"bytes={offset}-"} if offset else None
        resp = self._request("GET", key, op="download", headers=headers, ok=(200, 206, 416), generation=gen)
        try:
            if resp.status_code == 416:
                release(resp)
                info = self.head(key)
                if info.size == offset:
                    return info
                raise StorageError(
                    f"download {self._where(key)}: offset {offset} is past the end (size {info.size})",
                    code="InvalidRange", status=416, key=key,
                )
            skip, total = plan_range(resp.status_code, resp.headers, offset, self._where(key), key)
            expected = total - offset if length is None else min(length, total - offset)
            etag = clean_etag(resp.headers.get("ETag"))
            whole = offset == 0 and expected == total
            digest = hashlib.md5() if (whole and self.verify_etag and is_md5(etag)) else None
            received = 0
            try:
                while received < expected:
                    chunk = read_body(resp, self.chunk_size)
                    if not chunk:
                        break
                    self._check(gen)
                    if skip:
                        if len(chunk) <= skip:
                            skip -= len(chunk)
                            continue
                        chunk = chunk[skip:]
                        skip = 0
                    if len(chunk) > expected - received:  # a server that ignored the bound: stop at it
                        chunk = chunk[:expected - received]
                    hook(len(chunk))
                    fileobj.write(chunk)
                    received += len(chunk)
                    if digest is not None:
                        digest.update(chunk)
                if received == expected:
                    read_body(resp, 1)  # reads the end of the body: the connection goes back to the pool
            except _NET_ERRORS as exc:
                raise self._net_error(exc, "download", key, gen, f" after {received} bytes") from exc
            self._check(gen)
            if received != expected:
                raise StorageConnectionError(
                    f"download {self._where(key)}: got {received} of {expected} bytes", code="ShortRead",
                    key=key,
                )
            if digest is not None and digest.hexdigest() != etag.lower():
                raise BadDigestError(
                    f"download {self._where(key)}: the bytes' MD5 {digest.hexdigest()} is not the ETag {etag}",
                    code="BadDigest", key=key,
                )
            return ObjectInfo(key=key, size=total, etag=etag, mtime=http_time(resp.headers.get("Last-Modified")))
        finally:
            release(resp)

    def delete(self, key: str) -> None:
        check_key(key)
        try:
            resp = self._request("DELETE", key, op="delete", ok=(200, 202, 204))
            release(resp)
        except NotFoundError as exc:
            if exc.code == "NoSuchBucket":
                raise

    # -- multipart -----------------------------------------------------------------------------------------
    def create_multipart(self, key: str) -> str:
        check_key(key)
        gen = self._generation
        resp = self._request("POST", key, op="start multipart upload", params={"uploads": None},
                             generation=gen)
        root = self._read_xml(resp, "start multipart upload", key, gen)
        upload_id = xml_text(root, "UploadId")
        if not upload_id:
            raise ServerError(f"start multipart upload {self._where(key)}: no UploadId in the answer",
                              code="BadXML", key=key)
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
        check_key(key)
        if not 1 <= number <= self.max_parts:
            raise ValueError(f"part number {number} is outside 1..{self.max_parts}")
        params: Dict[str, Optional[str]] = {"partNumber": str(number), "uploadId": upload_id}
        size, etag = self._put_stream(key, path, offset, length, md5, hook, params, f"upload part {number} of")
        return PartInfo(number=number, size=size, etag=etag)

    def list_parts(self, key: str, upload_id: str) -> List[PartInfo]:
        check_key(key)
        parts: Dict[int, PartInfo] = {}
        marker = ""
        for _ in range(self.max_parts + 1):
            gen = self._generation
            params: Dict[str, Optional[str]] = {"uploadId": upload_id, "max-parts": str(self.list_page_size)}
            if marker:
                params["part-number-marker"] = marker
            resp = self._request("GET", key, op="list parts of", params=params, generation=gen)
            root = self._read_xml(resp, "list parts of", key, gen)
            for item in root.findall("Part"):
                number = int(xml_text(item, "PartNumber", "0"))
                parts[number] = PartInfo(number=number, size=int(xml_text(item, "Size", "0") or 0),
                                         etag=clean_etag(xml_text(item, "ETag")))
            if xml_text(root, "IsTruncated").lower() != "true":
                return [parts[n] for n in sorted(parts)]
            nxt = xml_text(root, "NextPartNumberMarker")
            if not nxt or nxt == marker:
                break
            marker = nxt
        raise ServerError(f"list parts of {self._where(key)}: the server's paging does not advance",
                          code="BadPaging", key=key)

    def complete_multipart(self, key: str, upload_id: str, parts: Sequence[PartInfo]) -> ObjectInfo:
        check_key(key)
        ordered = sorted(parts, key=lambda p: p.number)
        numbers = [p.number for p in ordered]
        if not ordered or len(set(numbers)) != len(numbers):
            raise ValueError("complete_multipart needs at least one part and no duplicate part numbers")
        body = "<CompleteMultipartUpload>" + "".join(
            f"<Part><PartNumber>{p.number}</PartNumber><ETag>\"{escape(p.etag)}\"</ETag></Part>" for p in ordered
        ) + "</CompleteMultipartUpload>"
        gen = self._generation
        resp = self._request("POST", key, op="complete multipart upload", params={"uploadId": upload_id},
                             headers={"Content-Type": "application/xml"}, body=body.encode("utf-8"),
                             generation=gen)
        root = self._read_xml(resp, "complete multipart upload", key, gen)
        etag = clean_etag(xml_text(root, "ETag")) or clean_etag(resp.headers.get("ETag"))
        size = sum(p.size for p in ordered)
        if not etag:
            etag = self._confirmed_etag(key, size)
        return ObjectInfo(key=key, size=size, etag=etag)

    def _confirmed_etag(self, key: str, size: int) -> str:
        """The ETag of a just-completed object, from HEAD: Ceph RGW 16 answers CompleteMultipartUpload
        with an empty ``<ETag/>`` (its HEAD is right). No ETag, or another size, is not a finished upload,
        and not retryable either: a retried complete would find the upload gone and nothing better to check."""
        head = self.head(key)
        if head.size != size or not head.etag:
            raise StorageError(
                f"complete multipart upload {self._where(key)}: the server answered without an ETag and "
                f"HEAD shows {head.size} bytes (expected {size}), ETag {head.etag or 'none'}",
                code="NoETag", key=key,
            )
        return head.etag

    def abort_multipart(self, key: str, upload_id: str) -> None:
        check_key(key)
        try:
            resp = self._request("DELETE", key, op="abort multipart upload", params={"uploadId": upload_id},
                                 ok=(200, 204))
            release(resp)
        except NotFoundError as exc:
            if exc.code == "NoSuchBucket":
                raise

