"""Signed requests to one bucket, with the server's answers turned into typed errors.

The base of :class:`~.engine.S3Storage`: what every S3 call shares (the
bucket's URLs, signing and sending through :class:`~.transport.Transport`,
error mapping with secrets scrubbed from messages, interrupt). It knows no
object or multipart semantics; those live in :mod:`.engine`.

Why interrupt is a generation counter plus socket shutdown: a worker blocked
in ``send`` or ``recv`` only wakes when its socket is shut down
(:meth:`Transport.interrupt`); the generation tells the request it was
interrupted (``TransferCancelled``) rather than cut by the network.
"""

from __future__ import annotations

import base64
import binascii
import ssl
import threading
import xml.etree.ElementTree as ET
from typing import Any, Dict, Iterator, Optional, Sequence, Tuple
from urllib.parse import quote, urlsplit

from requests import Response

from ..._version import __version__
from ...errors import (
    AccessDeniedError,
    NotFoundError,
    ServerError,
    StorageConnectionError,
    StorageError,
    TransferCancelled,
)
from ..base import ByteHook
from .transport import DEFAULT_TIMEOUT, NET_ERRORS, Transport, describe_net_error, read_body, release
from .util import error_class, escape, parse_xml, query_string, xml_text

_NET_ERRORS = NET_ERRORS


def _sent_header(resp: Response, name: str) -> Optional[str]:
    """A header of the request that got ``resp`` (None when absent or unknown)."""
    request = getattr(resp, "request", None)
    value = request.headers.get(name) if request is not None and request.headers is not None else None
    return value if isinstance(value, str) else None


def _certificate_failure(exc: BaseException) -> bool:
    """A TLS certificate that did not verify (anywhere in the exception's chain)."""
    seen: Optional[BaseException] = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__ or (seen.args[0] if seen.args and
                                                       isinstance(seen.args[0], BaseException) else None)
    return False


def _ssl_reason(exc: BaseException) -> str:
    text = str(exc)
    marker = "certificate verify failed:"
    if marker in text:
        return "certificate verify failed: " + text.split(marker, 1)[1].split("(_ssl", 1)[0].strip()
    return "certificate verify failed"


def _is_b64_md5(value: str) -> bool:
    try:
        return len(base64.b64decode(value.strip(), validate=True)) == 16
    except (ValueError, binascii.Error):
        return False


class S3Client:
    """One bucket (and key prefix) on an S3-compatible server: requests and errors. Thread-safe."""

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
        ca_bundle: Optional[str] = None,
    ) -> None:
        split = urlsplit(endpoint.strip())
        if split.scheme not in ("http", "https") or not split.netloc:
            raise StorageError(f"S3 endpoint {endpoint!r} must look like https://host[:port]", code="BadEndpoint")
        if not bucket or "/" in bucket:
            raise StorageError(f"S3 bucket name {bucket!r} is empty or contains '/'", code="BadBucket")
        self.endpoint = f"{split.scheme}://{split.netloc}"
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.region = region or "us-east-1"
        self.path_style = path_style
        self.timeout = timeout
        self.pool_size = max(1, pool_size)
        self.verify_tls = verify_tls
        self.name = f"s3://{bucket}/{self.prefix}".rstrip("/")
        self._access_key = access_key
        self._secret_key = secret_key
        self._session_token = session_token
        self._lock = threading.Lock()
        self._generation = 0
        if path_style:
            origin, self._base_path = self.endpoint, f"/{quote(bucket, safe='')}"
        else:
            origin, self._base_path = f"{split.scheme}://{bucket}.{split.netloc}", ""
        self._http = Transport(origin, access_key=access_key, secret_key=secret_key, region=self.region,
                               session_token=session_token, timeout=timeout, verify_tls=verify_tls,
                               pool_size=self.pool_size, user_agent=f"rfsync/{__version__}",
                               ca_bundle=ca_bundle)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(endpoint={self.endpoint!r}, bucket={self.bucket!r}, "
                f"prefix={self.prefix!r})")

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
        region = (xml_text(root, "Region") if root is not None else "") or resp.headers.get("x-amz-bucket-region", "")
        if region and region != self.region:
            # AWS signs per region: a wrong one gets AuthorizationHeaderMalformed (400) or
            # PermanentRedirect (301), naming the bucket's region (botocore's S3RegionRedirector reads both)
            text += (f". Bucket '{self.bucket}' is in region {region}, not {self.region}: "
                     f"set \"region\": \"{region}\" on the platform")
            return cls(self._scrub(text), code=code, status=status, key=key or "")
        sent_md5 = _sent_header(resp, "Content-MD5")
        if code == "InvalidDigest" or (cls is AccessDeniedError and sent_md5 is not None and not _is_b64_md5(sent_md5)):
            # Ceph RGW answers a malformed Content-MD5 with a bare AccessDenied 403 (AWS: InvalidDigest 400)
            text += ". The request's Content-MD5 header is malformed (not the Base64 of a 16-byte MD5)"
        elif cls is AccessDeniedError:
            text += (f". Check the access key, the secret key and the permissions for bucket "
                     f"'{self.bucket}' on {self.endpoint}")
        elif cls is NotFoundError and code == "NoSuchBucket":
            text += f". Check the bucket name '{self.bucket}' and the endpoint {self.endpoint}"
        return cls(self._scrub(text), code=code, status=status, key=key or "")

    def _net_error(self, exc: BaseException, op: str, key: Optional[str], gen: int,
                   during: str = "") -> StorageError:
        self._check(gen)
        if _certificate_failure(exc):
            # not a network hiccup: retrying cannot make an untrusted certificate trusted
            return StorageError(self._scrub(
                f"{op} {self._where(key)} failed: the server's TLS certificate is not trusted ({_ssl_reason(exc)}). "
                f"For a studio CA, set REQUESTS_CA_BUNDLE or the platform's \"ca_bundle\" to its PEM file"),
                code="TLSCertificate", key=key or "")
        text, code = describe_net_error(exc, self._http.origin, self.timeout, during)
        target = f"s3://{self.bucket}/{self._full_key(key)}" if key is not None else self.name
        return StorageConnectionError(self._scrub(f"{op} {target}: {text}"), code=code, key=key or "")

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

    # -- bucket -------------------------------------------------------------------------------------------
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

