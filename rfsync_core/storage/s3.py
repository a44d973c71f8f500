"""S3-compatible storage over ``requests`` with SigV4 from ``requests-aws4auth``.

Design notes (why it looks like this):

* One ``requests.Session`` per thread (keep-alive, no sharing of connection
  state between workers), explicit ``(connect, read)`` timeouts, no retries
  inside ``requests`` (retries live in :mod:`rfsync_core.transfer.retry`).
* File bodies are streamed in chunks with an explicit ``Content-Length`` and
  signed as ``UNSIGNED-PAYLOAD`` so memory stays bounded whatever the size;
  every PUT and part carries ``Content-MD5`` so the server refuses corrupted
  bytes, and the returned ETag is compared with the MD5 where it is one.
* :meth:`S3Storage.interrupt` shuts down the sockets of every session the
  engine opened, so a worker blocked in ``send`` or ``recv`` wakes within
  moments; requests started before the interrupt end in ``TransferCancelled``.
"""

from __future__ import annotations

import base64
import calendar
import email.utils
import hashlib
import os
import re
import socket
import threading
import weakref
import xml.etree.ElementTree as ET
from typing import Any, BinaryIO, Dict, Iterator, List, Optional, Sequence, Tuple, Type
from urllib.parse import quote, urlsplit
from xml.sax.saxutils import escape

import requests
from requests.adapters import HTTPAdapter
from requests_aws4auth import AWS4Auth
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .. import __version__
from ..errors import (
    AccessDeniedError,
    BadDigestError,
    ChangedDuringTransferError,
    LocalPathError,
    NotFoundError,
    ServerError,
    StorageConnectionError,
    StorageError,
    ThrottledError,
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
from .base import ByteHook, ObjectInfo, PartInfo, no_hook

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
_MD5_RE = re.compile(r"^[0-9a-fA-F]{32}$")
_CONTENT_RANGE_RE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$")

_NOT_FOUND = {"NoSuchKey", "NoSuchBucket", "NoSuchUpload", "NotFound"}
_DENIED = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken",
           "AllAccessDisabled", "AccountProblem", "InvalidSecurity"}
_DIGEST = {"BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch"}
_THROTTLE = {"SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequests",
             "ServiceUnavailable"}
_TRANSIENT = {"RequestTimeout", "IncompleteBody"}


# -- signing -----------------------------------------------------------------------------------------------


class _StreamingAuth(AWS4Auth):
    """AWS4Auth that signs streamed bodies as ``UNSIGNED-PAYLOAD``.

    ``AWS4Auth`` reads a file-like body fully into memory to hash it. For a
    body that is not plain bytes (our chunked file reader) we hide the body
    while the library signs and put ``UNSIGNED-PAYLOAD`` in the
    ``x-amz-content-sha256`` header before the canonical headers are built;
    integrity is then carried by ``Content-MD5``. Small bodies (bytes) are
    signed with their real SHA-256 as usual.
    """

    def __call__(self, req: requests.PreparedRequest) -> requests.PreparedRequest:
        body = req.body
        if body is None or isinstance(body, (bytes, bytearray, str)):
            return super().__call__(req)
        req.body = None
        req._rfsync_unsigned = True  # type: ignore[attr-defined]
        try:
            return super().__call__(req)
        finally:
            req.body = body

    def get_canonical_headers(self, req: Any, include: Any = None) -> Tuple[str, str]:
        if getattr(req, "_rfsync_unsigned", False):
            req.headers["x-amz-content-sha256"] = UNSIGNED_PAYLOAD
        return super().get_canonical_headers(req, include)  # type: ignore[no-any-return]


# -- connection tracking (for interrupt) ---------------------------------------------------------------------


class _SocketRegistry:
    """The sockets one session opened, so another thread can shut them down."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._socks: weakref.WeakSet[socket.socket] = weakref.WeakSet()

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            self._socks.add(sock)

    def shutdown_all(self) -> None:
        with self._lock:
            socks = list(self._socks)
        for sock in socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _pool_classes(registry: _SocketRegistry) -> Dict[str, Type[HTTPConnectionPool]]:
    """Connection-pool classes whose new sockets are recorded in ``registry``."""

    class _Conn(HTTPConnection):
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            registry.add(sock)
            return sock

    class _SConn(HTTPSConnection):
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            registry.add(sock)
            return sock

    class _Pool(HTTPConnectionPool):
        ConnectionCls = _Conn

    class _SPool(HTTPSConnectionPool):
        ConnectionCls = _SConn

    return {"http": _Pool, "https": _SPool}


class _TrackedAdapter(HTTPAdapter):
    """An adapter whose sockets can be shut down from another thread."""

    def __init__(self, registry: _SocketRegistry, pool_size: int) -> None:
        self._registry = registry
        super().__init__(pool_connections=2, pool_maxsize=pool_size, max_retries=0)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **kw: Any) -> None:
        super().init_poolmanager(connections, maxsize, block, **kw)
        self.poolmanager.pool_classes_by_scheme = _pool_classes(self._registry)


# -- bodies --------------------------------------------------------------------------------------------------


class _FileBody:
    """``length`` bytes of an open file from ``offset``, yielded in chunks.

    It has a ``len()`` so ``requests`` sends ``Content-Length`` (never chunked
    transfer encoding) and an iterator so ``urllib3`` sends chunk by chunk.
    ``hook`` runs before each chunk is sent; ``check`` raises when the engine
    was interrupted. Local read errors become :class:`LocalPathError` (an
    ``OSError`` here would be mistaken for a network error by urllib3).
    """

    def __init__(
        self, fh: BinaryIO, path: str, offset: int, length: int, hook: ByteHook, check: Any, chunk: int
    ) -> None:
        self._fh = fh
        self._path = path
        self._offset = offset
        self._length = length
        self._hook = hook
        self._check = check
        self._chunk = chunk

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[bytes]:
        try:
            self._fh.seek(self._offset)
        except OSError as exc:
            raise LocalPathError(f"cannot read {self._path}: {exc.strerror or exc}") from None
        left = self._length
        while left > 0:
            self._check()
            try:
                data = self._fh.read(min(self._chunk, left))
            except OSError as exc:
                raise LocalPathError(f"cannot read {self._path}: {exc.strerror or exc}") from None
            if not data:
                raise ChangedDuringTransferError(
                    f"{self._path} became shorter while being sent ({self._length - left} of "
                    f"{self._length} bytes from offset {self._offset} could be read)"
                )
            self._hook(len(data))
            self._check()
            left -= len(data)
            yield data


def _open_source(path: str) -> Tuple[BinaryIO, int]:
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise LocalPathError(f"cannot open {path}: {exc.strerror or exc}") from None
    try:
        size = os.fstat(fh.fileno()).st_size
    except OSError as exc:
        fh.close()
        raise LocalPathError(f"cannot stat {path}: {exc.strerror or exc}") from None
    return fh, size


def _md5_of(fh: BinaryIO, path: str, offset: int, length: int, check: Any, chunk: int) -> bytes:
    """MD5 of a file slice in one streaming pass (for Content-MD5 when the caller has none)."""
    digest = hashlib.md5()
    try:
        fh.seek(offset)
        left = length
        while left > 0:
            check()
            data = fh.read(min(chunk, left))
            if not data:
                raise ChangedDuringTransferError(f"{path} became shorter while being hashed")
            digest.update(data)
            left -= len(data)
    except OSError as exc:
        raise LocalPathError(f"cannot read {path}: {exc.strerror or exc}") from None
    return digest.digest()


# -- small helpers -------------------------------------------------------------------------------------------


def _b64(md5: bytes) -> str:
    if len(md5) != 16:
        raise ValueError("md5 must be the 16-byte binary digest")
    return base64.b64encode(md5).decode("ascii")


def _etag(value: Optional[str]) -> str:
    value = (value or "").strip()
    if value.startswith("W/"):
        value = value[2:]
    return value.strip('"')


def _is_md5(etag: str) -> bool:
    return bool(_MD5_RE.match(etag))


def _http_time(value: Optional[str]) -> float:
    if not value:
        return 0.0
    try:
        parsed = email.utils.parsedate_tz(value)
        return float(email.utils.mktime_tz(parsed)) if parsed else 0.0
    except (TypeError, ValueError, OverflowError):
        return 0.0


def _iso_time(value: Optional[str]) -> float:
    m = re.match(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?", value or "")
    if not m:
        return 0.0
    parts = [int(x) for x in m.groups()[:6]]
    frac = float(m.group(7)) if m.group(7) else 0.0
    return calendar.timegm((parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], 0, 0, 0)) + frac


def _xml(content: bytes) -> Optional[ET.Element]:
    """Parse an XML answer with namespaces stripped; None when it is not XML."""
    if not content or not content.lstrip().startswith(b"<"):
        return None
    try:
        root = ET.fromstring(content)
    except ET.ParseError:
        return None
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.split("}", 1)[1]
    return root


def _text(el: Optional[ET.Element], path: str, default: str = "") -> str:
    if el is None:
        return default
    found = el.findtext(path)
    return found if found is not None else default


def _qs(params: Dict[str, Optional[str]]) -> str:
    """A query string quoted the way SigV4 canonicalises it (``%20``, never ``+``)."""
    out = []
    for name, value in params.items():
        if value is None:
            out.append(quote(name, safe="-_.~"))
        else:
            out.append(f"{quote(name, safe='-_.~')}={quote(value, safe='-_.~')}")
    return "&".join(out)


def _error_class(status: int, code: str) -> Type[StorageError]:
    if code in _NOT_FOUND or (status == 404 and code not in _DENIED):
        return NotFoundError
    if code in _DENIED or status in (401, 403):
        return AccessDeniedError
    if code in _DIGEST:
        return BadDigestError
    if status in (429, 503) or code in _THROTTLE:
        return ThrottledError
    if code in _TRANSIENT:
        return StorageConnectionError
    if status >= 500:
        return ServerError
    return StorageError


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
        self._local = threading.local()
        self._sessions: List[Tuple[requests.Session, _SocketRegistry]] = []
        self._epoch = 0
        self._generation = 0
        if path_style:
            self._base = f"{self.endpoint}/{quote(bucket, safe='')}"
        else:
            self._base = f"{split.scheme}://{bucket}.{split.netloc}"

    def __repr__(self) -> str:
        return f"S3Storage(endpoint={self.endpoint!r}, bucket={self.bucket!r}, prefix={self.prefix!r})"

    # -- plumbing ----------------------------------------------------------------------------------------
    def _session(self) -> requests.Session:
        local = self._local
        epoch = self._epoch
        if getattr(local, "epoch", None) != epoch or getattr(local, "session", None) is None:
            registry = _SocketRegistry()
            session = requests.Session()
            adapter = _TrackedAdapter(registry, self.pool_size)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            session.auth = _StreamingAuth(
                self._access_key, self._secret_key, self.region, "s3", session_token=self._session_token
            )
            # Proxies and CA bundle from the environment are read once here, not on every request:
            # requests' per-request environment scan costs more CPU than a whole small PUT.
            session.trust_env = False
            session.proxies.update(requests.utils.get_environ_proxies(self.endpoint))
            ca_bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            session.verify = ca_bundle if (self.verify_tls and ca_bundle) else self.verify_tls
            session.headers["Accept-Encoding"] = "identity"
            session.headers["User-Agent"] = f"rfsync/{__version__}"
            with self._lock:  # tracked even if interrupted meanwhile: the next interrupt/close ends it
                self._sessions.append((session, registry))
            local.epoch = epoch  # a stale epoch here makes the next call start a fresh session
            local.session = session
        session_: requests.Session = local.session
        return session_

    def _check(self, generation: int) -> None:
        if generation != self._generation:
            raise TransferCancelled(f"transfer on {self.name} interrupted")

    def _full_key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _url(self, key: Optional[str], params: Optional[Dict[str, Optional[str]]] = None) -> str:
        url = self._base
        if key is not None:
            url += "/" + quote(self._full_key(key), safe="/~")
        elif not self.path_style:
            url += "/"
        if params:
            url += "?" + _qs(params)
        return url

    def _where(self, key: Optional[str]) -> str:
        target = f"s3://{self.bucket}/{self._full_key(key)}" if key is not None else self.name
        return f"{target} ({self.endpoint})"

    def _scrub(self, text: str) -> str:
        for secret in (self._secret_key, self._session_token):
            if secret:
                text = text.replace(secret, "***")
        return text

    def _error(self, resp: requests.Response, op: str, key: Optional[str], content: bytes = b"") -> StorageError:
        status = resp.status_code
        root = _xml(content)
        code = _text(root, "Code") if root is not None and root.tag == "Error" else ""
        message = _text(root, "Message") if root is not None and root.tag == "Error" else ""
        if not code:
            code = {404: "NoSuchKey" if key else "NoSuchBucket", 403: "AccessDenied", 503: "SlowDown",
                    429: "SlowDown"}.get(status, f"HTTP{status}")
        cls = _error_class(status, code)
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

    def _request(
        self,
        method: str,
        key: Optional[str],
        *,
        op: str,
        params: Optional[Dict[str, Optional[str]]] = None,
        headers: Optional[Dict[str, str]] = None,
        body: Any = None,
        stream: bool = False,
        ok: Sequence[int] = (200,),
        generation: Optional[int] = None,
    ) -> requests.Response:
        gen = self._generation if generation is None else generation
        self._check(gen)
        url = self._url(key, params)
        try:
            resp = self._session().request(
                method, url, headers=headers, data=body, stream=stream, timeout=self.timeout,
                allow_redirects=False,
            )
        except requests.RequestException as exc:
            self._check(gen)
            raise StorageConnectionError(
                self._scrub(f"{op} {self._where(key)} failed: {type(exc).__name__}: {exc}"),
                code=type(exc).__name__, key=key or "",
            ) from exc
        if resp.status_code not in ok:
            try:
                if method == "HEAD":
                    content = b""
                elif stream:
                    content = resp.raw.read(64 * 1024, decode_content=True) or b""
                else:
                    content = resp.content[: 64 * 1024]
            except Exception:
                content = b""
            finally:
                resp.close()
            self._check(gen)
            raise self._error(resp, op, key, content)
        return resp

    def _read_all(self, resp: requests.Response, op: str, key: Optional[str], gen: int) -> bytes:
        try:
            return resp.content
        except requests.RequestException as exc:
            self._check(gen)
            raise StorageConnectionError(
                f"{op} {self._where(key)} failed while reading the answer: {type(exc).__name__}: {exc}",
                code=type(exc).__name__, key=key or "",
            ) from exc
        finally:
            resp.close()

    def _read_xml(self, resp: requests.Response, op: str, key: Optional[str], gen: int) -> ET.Element:
        content = self._read_all(resp, op, key, gen)
        root = _xml(content)
        if root is None:
            raise ServerError(f"{op} {self._where(key)}: the server's answer is not XML", code="BadXML",
                              status=resp.status_code, key=key or "")
        if root.tag == "Error":  # S3 may answer 200 with an error body (CompleteMultipartUpload)
            raise self._error(resp, op, key, content)
        return root

    # -- objects -----------------------------------------------------------------------------------------
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
        fh, file_size = _open_source(path)
        with fh:
            if length is None:
                length = file_size
            if offset + length > file_size:
                raise ChangedDuringTransferError(
                    f"{path} is {file_size} bytes, shorter than the {offset + length} bytes to send"
                )
            if md5 is None:
                md5 = _md5_of(fh, path, offset, length, lambda: self._check(gen), self.chunk_size)
            headers = {"Content-MD5": _b64(md5), "Content-Length": str(length)}
            body: Any = (
                _FileBody(fh, path, offset, length, hook, lambda: self._check(gen), self.chunk_size)
                if length else b""
            )
            resp = self._request("PUT", key, op=op, params=params, headers=headers, body=body, generation=gen)
            self._read_all(resp, op, key, gen)
        etag = _etag(resp.headers.get("ETag"))
        if self.verify_etag and _is_md5(etag) and etag.lower() != md5.hex():
            raise BadDigestError(
                f"{op} {self._where(key)}: the server's ETag {etag} is not the MD5 {md5.hex()} of what was sent",
                code="BadDigest", status=resp.status_code, key=key,
            )
        return length, etag or md5.hex()

    def put_file(self, key: str, path: str, *, md5: Optional[bytes] = None, hook: ByteHook = no_hook) -> ObjectInfo:
        """Single PUT of a whole file, streamed, with Content-MD5."""
        check_key(key)
        size, etag = self._put_stream(key, path, 0, None, md5, hook, None, "upload")
        return ObjectInfo(key=key, size=size, etag=etag)

    def put_bytes(self, key: str, data: bytes) -> ObjectInfo:
        check_key(key)
        md5 = hashlib.md5(data).digest()
        resp = self._request("PUT", key, op="upload", headers={"Content-MD5": _b64(md5)}, body=bytes(data))
        self._read_all(resp, "upload", key, self._generation)
        etag = _etag(resp.headers.get("ETag"))
        if self.verify_etag and _is_md5(etag) and etag.lower() != md5.hex():
            raise BadDigestError(f"upload {self._where(key)}: the server's ETag {etag} is not the MD5 sent",
                                 code="BadDigest", status=resp.status_code, key=key)
        return ObjectInfo(key=key, size=len(data), etag=etag or md5.hex())

    def get_bytes(self, key: str) -> bytes:
        check_key(key)
        gen = self._generation
        resp = self._request("GET", key, op="download", stream=True, generation=gen)
        return self._read_all(resp, "download", key, gen)

    def head(self, key: str) -> ObjectInfo:
        check_key(key)
        resp = self._request("HEAD", key, op="head")
        resp.close()
        return ObjectInfo(
            key=key,
            size=int(resp.headers.get("Content-Length") or 0),
            etag=_etag(resp.headers.get("ETag")),
            mtime=_http_time(resp.headers.get("Last-Modified")),
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
            resp = self._request("GET", None, op="list", params=params, stream=True, generation=gen)
            root = self._read_xml(resp, "list", None, gen)
            for item in root.findall("Contents"):
                full = _text(item, "Key")
                if not full.startswith(base) or full.endswith("/"):
                    continue  # outside our prefix, or a folder marker some tools create: not an object
                yield ObjectInfo(
                    key=full[len(base):],
                    size=int(_text(item, "Size", "0") or 0),
                    etag=_etag(_text(item, "ETag")),
                    mtime=_iso_time(_text(item, "LastModified")),
                )
            if _text(root, "IsTruncated").lower() != "true":
                return
            token = _text(root, "NextContinuationToken")
            if not token or token in seen_tokens:
                raise ServerError(f"list {self._where(None)}: the server's paging does not advance",
                                  code="BadPaging")
            seen_tokens.add(token)

    def get_to_file(
        self, key: str, fileobj: BinaryIO, *, offset: int = 0, hook: ByteHook = no_hook
    ) -> ObjectInfo:
        check_key(key)
        if offset < 0:
            raise ValueError("offset must be >= 0")
        gen = self._generation
        headers = {"Range": f"bytes={offset}-"} if offset else None
        resp = self._request("GET", key, op="download", headers=headers, stream=True, ok=(200, 206, 416),
                             generation=gen)
        try:
            if resp.status_code == 416:
                resp.close()
                info = self.head(key)
                if info.size == offset:
                    return info
                raise StorageError(
                    f"download {self._where(key)}: offset {offset} is past the end (size {info.size})",
                    code="InvalidRange", status=416, key=key,
                )
            skip, total = self._plan_range(resp, key, offset)
            etag = _etag(resp.headers.get("ETag"))
            digest = hashlib.md5() if (offset == 0 and self.verify_etag and _is_md5(etag)) else None
            received = 0
            try:
                for chunk in resp.iter_content(self.chunk_size):
                    self._check(gen)
                    if skip:
                        if len(chunk) <= skip:
                            skip -= len(chunk)
                            continue
                        chunk = chunk[skip:]
                        skip = 0
                    hook(len(chunk))
                    fileobj.write(chunk)
                    received += len(chunk)
                    if digest is not None:
                        digest.update(chunk)
            except requests.RequestException as exc:
                self._check(gen)
                raise StorageConnectionError(
                    f"download {self._where(key)} failed after {received} bytes: {type(exc).__name__}: {exc}",
                    code=type(exc).__name__, key=key,
                ) from exc
            self._check(gen)
            if received != total - offset:
                raise StorageConnectionError(
                    f"download {self._where(key)}: got {received} of {total - offset} bytes", code="ShortRead",
                    key=key,
                )
            if digest is not None and digest.hexdigest() != etag.lower():
                raise BadDigestError(
                    f"download {self._where(key)}: the bytes' MD5 {digest.hexdigest()} is not the ETag {etag}",
                    code="BadDigest", key=key,
                )
            return ObjectInfo(key=key, size=total, etag=etag, mtime=_http_time(resp.headers.get("Last-Modified")))
        finally:
            resp.close()

    def _plan_range(self, resp: requests.Response, key: str, offset: int) -> Tuple[int, int]:
        """How many leading bytes to skip, and the object's full size.

        206 is a proper partial answer. A 200 with a ``Content-Range`` that
        starts at ``offset`` is partial too (rclone does this). A 200 without
        it means the server ignored the range: skip ``offset`` bytes ourselves.
        """
        length = int(resp.headers.get("Content-Length") or -1)
        m = _CONTENT_RANGE_RE.match(resp.headers.get("Content-Range") or "")
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
            resp.close()
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
            resp.close()
        except StorageError as exc:
            if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                raise

    # -- multipart -----------------------------------------------------------------------------------------
    def create_multipart(self, key: str) -> str:
        check_key(key)
        gen = self._generation
        resp = self._request("POST", key, op="start multipart upload", params={"uploads": None}, stream=True,
                             generation=gen)
        root = self._read_xml(resp, "start multipart upload", key, gen)
        upload_id = _text(root, "UploadId")
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
            resp = self._request("GET", key, op="list parts of", params=params, stream=True, generation=gen)
            root = self._read_xml(resp, "list parts of", key, gen)
            for item in root.findall("Part"):
                number = int(_text(item, "PartNumber", "0"))
                parts[number] = PartInfo(number=number, size=int(_text(item, "Size", "0") or 0),
                                         etag=_etag(_text(item, "ETag")))
            if _text(root, "IsTruncated").lower() != "true":
                return [parts[n] for n in sorted(parts)]
            nxt = _text(root, "NextPartNumberMarker")
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
                             stream=True, generation=gen)
        root = self._read_xml(resp, "complete multipart upload", key, gen)
        etag = _etag(_text(root, "ETag")) or _etag(resp.headers.get("ETag"))
        return ObjectInfo(key=key, size=sum(p.size for p in ordered), etag=etag)

    def abort_multipart(self, key: str, upload_id: str) -> None:
        check_key(key)
        try:
            resp = self._request("DELETE", key, op="abort multipart upload", params={"uploadId": upload_id},
                                 ok=(200, 204))
            resp.close()
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
            self._epoch += 1
            sessions, self._sessions = self._sessions, []
        for session, registry in sessions:
            registry.shutdown_all()
            try:
                session.close()
            except Exception:
                pass

    def close(self) -> None:
        """Close every thread's connections (idle ones now, busy ones when their request ends)."""
        with self._lock:
            self._epoch += 1
            sessions, self._sessions = self._sessions, []
        for session, _registry in sessions:
            try:
                session.close()
            except Exception:
                pass
