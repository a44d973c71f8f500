"""S3-compatible storage over ``requests`` with SigV4 from ``requests-aws4auth``.

Design notes (why it looks like this):

* The HTTP layer (:mod:`._s3transport`) is one ``requests`` session per worker
  thread (keep-alive), explicit ``(connect, read)`` timeouts and no retries
  (retries live in :mod:`rfsync_core.transfer.retry`); every request is signed
  by the thread's ``AWS4Auth`` and sent straight to the thread's adapter. For
  small files the client's CPU is the limit, so per-request work is kept low.
* Every PUT carries ``Content-MD5`` so the server refuses corrupted bytes, and
  the returned ETag is compared with the MD5 where it is one. Parts carry it
  until the server has shown that it answers a part with the MD5 of what it
  received; from then on the client compares that ETag with its own MD5
  instead, and the final CompleteMultipartUpload names those MD5s, so the
  server itself refuses to assemble a part that differs. The check is the
  same; the server hashes each part once instead of twice (measured in
  ``bench/``: the second hash was a fifth of the server's CPU for a 1 GiB
  upload). A part that arrives corrupted raises :class:`PartCorruptedError`
  and parts carry ``Content-MD5`` again. File bodies are signed as
  ``UNSIGNED-PAYLOAD`` (integrity is the MD5). A slice
  that fits the engine's buffer budget is read once into memory, hashed and
  sent from there; a bigger one is hashed, then streamed (:mod:`._s3body`), so
  memory stays bounded whatever the size.
* :meth:`S3Storage.interrupt` shuts down every socket the engine opened, so a
  worker blocked in ``send`` or ``recv`` wakes within moments; requests
  started before the interrupt end in ``TransferCancelled``.
"""

from __future__ import annotations

import hashlib
import threading
import xml.etree.ElementTree as ET
from typing import Any, BinaryIO, Dict, Iterator, List, Optional, Sequence, Tuple
from urllib.parse import quote, urlsplit

from requests import Response

from .._version import __version__
from ..errors import (
    AccessDeniedError,
    BadDigestError,
    ChangedDuringTransferError,
    NotFoundError,
    PartCorruptedError,
    ServerError,
    StorageConnectionError,
    StorageError,
    TransferCancelled,
    UnsafePathError,
)
from . import (
    CHUNK_SIZE,
    DEFAULT_MIN_PART_SIZE,
    DEFAULT_MULTIPART_THRESHOLD,
    MAX_PARTS,
    check_key,
)
from ._s3body import Buffer, BufferBudget, iter_slice, md5_of, open_source, read_slice
from ._s3transport import NET_ERRORS, Transport, read_body, release
from ._s3util import (
    CONTENT_RANGE_RE,
    b64,
    clean_etag,
    error_class,
    escape,
    http_time,
    is_md5,
    iso_time,
    parse_xml,
    query_string,
    xml_text,
)
from .base import ByteHook, ObjectInfo, PartInfo, no_hook

MiB = 1024 * 1024
BUFFER_BUDGET = 96 * MiB
"""File bytes held in memory at once by one engine (all threads): the memory bound of uploads."""
SMALL_BODY = 64 * 1024
"""Bodies up to this size are sent as one block; bigger ones in ``chunk_size`` pieces (progress, cancel)."""
_NET_ERRORS = NET_ERRORS


# -- the engine ----------------------------------------------------------------------------------------------


class S3Storage:
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
        timeout: Tuple[float, float] = (10.0, 60.0),
        pool_size: int = 10,
        verify_tls: bool = True,
        multipart_threshold: int = DEFAULT_MULTIPART_THRESHOLD,
        min_part_size: int = DEFAULT_MIN_PART_SIZE,
        chunk_size: int = CHUNK_SIZE,
        verify_etag: bool = True,
    ) -> None:
        split = urlsplit(endpoint.strip())
        if split.scheme not in ("http", "https") or not split.netloc:
            raise StorageError(f"S3 endpoint {endpoint!r} must look like https://host[:port]", code="BadEndpoint")
        if not bucket or "/" in bucket:
            raise StorageError(f"S3 bucket name {bucket!r} is empty or contains '/'", code="BadBucket")
        if min_part_size < 5 * 1024 * 1024:
            raise StorageError("min_part_size must be at least 5 MiB (an S3 rule)", code="BadPartSize")
        self.endpoint = f"{split.scheme}://{split.netloc}"
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.region = region or "us-east-1"
        self.path_style = path_style
        self.timeout = timeout
        self.pool_size = max(1, pool_size)
        self.verify_tls = verify_tls
        self.multipart_threshold = multipart_threshold
        self.min_part_size = min_part_size
        self.chunk_size = chunk_size
        self.verify_etag = verify_etag
        self.name = f"s3://{bucket}/{self.prefix}".rstrip("/")
        self._access_key = access_key
        self._secret_key = secret_key
        self._session_token = session_token
        self._lock = threading.Lock()
        self._generation = 0
        self._budget = BufferBudget(BUFFER_BUDGET)
        self._part_etags_are_md5 = False
        """Set once a part's ETag came back as the MD5 of what was sent; parts then skip ``Content-MD5``."""
        self.buffer_limit = max(min_part_size, 16 * MiB)
        """Slices up to this size are read once into memory (when the budget allows)."""
        if path_style:
            origin, self._base_path = self.endpoint, f"/{quote(bucket, safe='')}"
        else:
            origin, self._base_path = f"{split.scheme}://{bucket}.{split.netloc}", ""
        self._http = Transport(origin, access_key=access_key, secret_key=secret_key, region=self.region,
                               session_token=session_token, timeout=timeout, verify_tls=verify_tls,
                               pool_size=self.pool_size, user_agent=f"rfsync/{__version__}")

    def __repr__(self) -> str:
        return f"S3Storage(endpoint={self.endpoint!r}, bucket={self.bucket!r}, prefix={self.prefix!r})"

    # -- plumbing ----------------------------------------------------------------------------------------
    def _check(self, generation: int) -> None:
        if generation != self._generation:
            raise TransferCancelled(f"transfer on {self.name} interrupted")

    def _full_key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _path(self, key: Optional[str]) -> str:
        if key is not None:
            return f"{self._base_path}/{quote(self._full_key(key), safe='/~')}"
        return self._base_path or "/"

    def _where(self, key: Optional[str]) -> str:
        target = f"s3://{self.bucket}/{self._full_key(key)}" if key is not None else self.name
        return f"{target} ({self.endpoint})"

    def _scrub(self, text: str) -> str:
        for secret in (self._secret_key, self._session_token):
            if secret:
                text = text.replace(secret, "***")
        return text

    def _error(self, resp: Response, op: str, key: Optional[str], content: bytes = b"") -> StorageError:
        status = resp.status_code
        root = parse_xml(content)
        code = xml_text(root, "Code") if root is not None and root.tag == "Error" else ""
        message = xml_text(root, "Message") if root is not None and root.tag == "Error" else ""
        if not code:
            code = {404: "NoSuchKey" if key else "NoSuchBucket", 403: "AccessDenied", 503: "SlowDown",
                    429: "SlowDown"}.get(status, f"HTTP{status}")
        cls = error_class(status, code)
        if cls is NotFoundError and code == "NoSuchKey" and key is None:
            code = "NoSuchBucket"
        text = f"{op} {self._where(key)} failed: {code} (HTTP {status})"
        if message:
            text += f": {' '.join(message.split())[:500].rstrip('.')}"
        if cls is AccessDeniedError:
            text += (f". Check the access key, the secret key and the permissions for bucket "
                     f"'{self.bucket}' on {self.endpoint}")
        elif cls is NotFoundError and code == "NoSuchBucket":
            text += f". Check the bucket name '{self.bucket}' and the endpoint {self.endpoint}"
        return cls(self._scrub(text), code=code, status=status, key=key or "")

    def _net_error(self, exc: BaseException, op: str, key: Optional[str], gen: int,
                   during: str = "") -> StorageConnectionError:
        self._check(gen)
        name = type(exc).__name__
        return StorageConnectionError(self._scrub(f"{op} {self._where(key)} failed{during}: {name}: {exc}"),
                                      code=name, key=key or "")

    def _request(
        self,
        method: str,
        key: Optional[str],
        *,
        op: str,
        params: Optional[Dict[str, Optional[str]]] = None,
        headers: Optional[Dict[str, str]] = None,
        body: Optional[bytes] = None,
        stream: Optional[Tuple[int, Iterator[Any], ByteHook]] = None,
        ok: Sequence[int] = (200,),
        generation: Optional[int] = None,
        unsigned: bool = False,
    ) -> Response:
        """One signed request. ``body`` is sent as one block, its SHA-256 signed unless
        ``unsigned``; ``stream`` = ``(length, chunks, hook)`` is sent chunk by chunk as
        ``UNSIGNED-PAYLOAD`` (``hook`` runs before each chunk). The caller reads (or
        releases) the answer."""
        gen = self._generation if generation is None else generation
        self._check(gen)
        path = self._path(key)
        target = f"{path}?{query_string(params)}" if params else path
        data: Any = body
        if stream is not None:
            length, chunks, hook = stream
            headers = dict(headers or ())
            headers["Content-Length"] = str(length)
            data = self._send_chunks(chunks, hook, gen)
        try:
            resp = self._http.request(method, target, headers, data, unsigned=unsigned)
        except _NET_ERRORS as exc:
            raise self._net_error(exc, op, key, gen) from exc
        if resp.status_code not in ok:
            try:
                content = b"" if method == "HEAD" else read_body(resp, 64 * 1024)
            except Exception:
                content = b""
            finally:
                release(resp)
            self._check(gen)
            raise self._error(resp, op, key, content)
        return resp

    def _send_chunks(self, chunks: Iterator[Any], hook: ByteHook, gen: int) -> Iterator[Any]:
        """A streamed body: progress and the interrupt check before each chunk goes out."""
        for chunk in chunks:
            hook(len(chunk))
            self._check(gen)
            yield chunk

    def _read_all(self, resp: Response, op: str, key: Optional[str], gen: int) -> bytes:
        try:
            return read_body(resp)
        except _NET_ERRORS as exc:
            raise self._net_error(exc, op, key, gen, " while reading the answer") from exc
        finally:
            release(resp)

    def _read_xml(self, resp: Response, op: str, key: Optional[str], gen: int) -> ET.Element:
        content = self._read_all(resp, op, key, gen)
        root = parse_xml(content)
        if root is None:
            raise ServerError(f"{op} {self._where(key)}: the server's answer is not XML", code="BadXML",
                              status=resp.status_code, key=key or "")
        if root.tag == "Error":  # S3 may answer 200 with an error body (CompleteMultipartUpload)
            raise self._error(resp, op, key, content)
        return root

    # -- objects -----------------------------------------------------------------------------------------
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
            held = length if length <= self.buffer_limit and budget.take(length) else 0
            try:
                if held or not length:
                    data = read_slice(fh, path, offset, length) if length else b""
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
                    del data
                else:
                    check = lambda: self._check(gen)  # noqa: E731
                    chunks: Iterator[bytes] = iter_slice(fh, path, offset, length, check, self.chunk_size)
                    digest = None
                    if send_md5 and md5 is None:
                        md5 = md5_of(fh, path, offset, length, check, self.chunk_size)
                    elif md5 is None:  # no header to send first: hash while streaming (one read of the file)
                        digest = hashlib.md5()
                        chunks = _hashing(chunks, digest)
                    resp = self._request("PUT", key, op=op, params=params,
                                         headers={"Content-MD5": b64(md5)} if send_md5 and md5 else {},
                                         stream=(length, chunks, hook), generation=gen)
                    if digest is not None:
                        md5 = digest.digest()
                self._read_all(resp, op, key, gen)
            finally:
                if held:
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
        self, key: str, fileobj: BinaryIO, *, offset: int = 0, hook: ByteHook = no_hook,
        length: Optional[int] = None,
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
            skip, total = self._plan_range(resp, key, offset)
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

    def _plan_range(self, resp: Response, key: str, offset: int) -> Tuple[int, int]:
        """How many leading bytes to skip, and the object's full size.

        206 is a proper partial answer. A 200 with a ``Content-Range`` that
        starts at ``offset`` is partial too (rclone does this). A 200 without
        it means the server ignored the range: skip ``offset`` bytes ourselves.
        """
        length = int(resp.headers.get("Content-Length") or -1)
        m = CONTENT_RANGE_RE.match(resp.headers.get("Content-Range") or "")
        if m:
            start = int(m.group(1))
            total = int(m.group(3)) if m.group(3) != "*" else int(m.group(2)) + 1
            if start == offset:
                return 0, total
            if start == 0:
                return offset, total
            raise ServerError(f"download {self._where(key)}: asked bytes from {offset}, got from {start}",
                              code="BadRange", status=resp.status_code, key=key)
        if resp.status_code == 206:
            raise ServerError(f"download {self._where(key)}: a partial answer without Content-Range",
                              code="BadRange", status=206, key=key)
        if length < 0:
            raise ServerError(f"download {self._where(key)}: the answer has no Content-Length",
                              code="NoLength", status=resp.status_code, key=key)
        if offset > length:
            raise StorageError(f"download {self._where(key)}: offset {offset} is past the end (size {length})",
                               code="InvalidRange", status=resp.status_code, key=key)
        return offset, length

    def delete(self, key: str) -> None:
        check_key(key)
        try:
            resp = self._request("DELETE", key, op="delete", ok=(200, 202, 204))
            release(resp)
        except NotFoundError as exc:
            if exc.code == "NoSuchBucket":
                raise

    def create_bucket(self) -> None:
        """Create the bucket (setup and tests); one that already exists and is ours is fine."""
        body = b""
        if self.region and self.region != "us-east-1":
            body = (f"<CreateBucketConfiguration><LocationConstraint>{escape(self.region)}"
                    f"</LocationConstraint></CreateBucketConfiguration>").encode()
        try:
            resp = self._request("PUT", None, op="create bucket", body=body or None)
            release(resp)
        except StorageError as exc:
            if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
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
        return ObjectInfo(key=key, size=sum(p.size for p in ordered), etag=etag)

    def abort_multipart(self, key: str, upload_id: str) -> None:
        check_key(key)
        try:
            resp = self._request("DELETE", key, op="abort multipart upload", params={"uploadId": upload_id},
                                 ok=(200, 204))
            release(resp)
        except NotFoundError as exc:
            if exc.code == "NoSuchBucket":
                raise

    # -- lifecycle -----------------------------------------------------------------------------------------
    def interrupt(self) -> None:
        """Abort every in-flight request (from any thread): they end in TransferCancelled.

        New requests after this call work again (on fresh connections); the
        caller's cancel token stops workers from starting them.
        """
        with self._lock:
            self._generation += 1
        self._http.interrupt()

    def close(self) -> None:
        """Close every thread's connections (idle ones now, busy ones when their request ends)."""
        self._http.close()


def _hashing(chunks: Iterator[bytes], digest: Any) -> Iterator[bytes]:
    """The chunks, unchanged, fed to ``digest`` on their way out."""
    for chunk in chunks:
        digest.update(chunk)
        yield chunk
