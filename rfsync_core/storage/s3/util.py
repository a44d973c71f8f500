"""Small pure helpers of the S3 engine: ETags, dates, XML, query strings, error classes, ranges."""

from __future__ import annotations

import base64
import calendar
import email.utils
import re
import xml.etree.ElementTree as ET
from typing import Dict, Mapping, Optional, Tuple, Type
from urllib.parse import quote

from ...errors import (
    AccessDeniedError,
    BadDigestError,
    NotFoundError,
    ServerError,
    StorageConnectionError,
    StorageError,
    ThrottledError,
)

CONTENT_RANGE_RE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$")

_NOT_FOUND = {"NoSuchKey", "NoSuchBucket", "NoSuchUpload", "NotFound"}
_DENIED = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken",
           "AllAccessDisabled", "AccountProblem", "InvalidSecurity"}
_DIGEST = {"BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch"}
_THROTTLE = {"SlowDown", "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequests",
             "ServiceUnavailable"}
_TRANSIENT = {"RequestTimeout", "IncompleteBody"}


def escape(text: str) -> str:
    """XML character data (what ``xml.sax.saxutils.escape`` does, without its imports)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def b64(md5: bytes) -> str:
    if len(md5) != 16:
        raise ValueError("md5 must be the 16-byte binary digest")
    return base64.b64encode(md5).decode("ascii")


def clean_etag(value: Optional[str]) -> str:
    value = (value or "").strip()
    if value.startswith("W/"):
        value = value[2:]
    return value.strip('"')


def http_time(value: Optional[str]) -> float:
    if not value:
        return 0.0
    try:
        parsed = email.utils.parsedate_tz(value)
        return float(email.utils.mktime_tz(parsed)) if parsed else 0.0
    except (TypeError, ValueError, OverflowError):
        return 0.0


def iso_time(value: Optional[str]) -> float:
    m = re.match(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(\.\d+)?", value or "")
    if not m:
        return 0.0
    parts = [int(x) for x in m.groups()[:6]]
    frac = float(m.group(7)) if m.group(7) else 0.0
    return calendar.timegm((parts[0], parts[1], parts[2], parts[3], parts[4], parts[5], 0, 0, 0)) + frac


def parse_xml(content: bytes) -> Optional[ET.Element]:
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


def xml_text(el: Optional[ET.Element], path: str, default: str = "") -> str:
    if el is None:
        return default
    found = el.findtext(path)
    return found if found is not None else default


def query_string(params: Dict[str, Optional[str]]) -> str:
    """A query string quoted the way SigV4 canonicalises it (``%20``, never ``+``)."""
    out = []
    for name, value in params.items():
        if value is None:
            out.append(quote(name, safe="-_.~"))
        else:
            out.append(f"{quote(name, safe='-_.~')}={quote(value, safe='-_.~')}")
    return "&".join(out)


def error_class(status: int, code: str) -> Type[StorageError]:
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


def plan_range(status: int, headers: Mapping[str, str], offset: int, where: str, key: str) -> Tuple[int, int]:
    """For a GET from ``offset``: how many leading bytes of the body to skip, and the object's full size.

    206 is a proper partial answer. A 200 with a ``Content-Range`` that
    starts at ``offset`` is partial too (rclone does this). A 200 without
    it means the server ignored the range: skip ``offset`` bytes ourselves.
    ``where`` names the object in messages.
    """
    length = int(headers.get("Content-Length") or -1)
    m = CONTENT_RANGE_RE.match(headers.get("Content-Range") or "")
    if m:
        start = int(m.group(1))
        total = int(m.group(3)) if m.group(3) != "*" else int(m.group(2)) + 1
        if start == offset:
            return 0, total
        if start == 0:
            return offset, total
        raise ServerError(f"download {where}: asked bytes from {offset}, got from {start}",
                          code="BadRange", status=status, key=key)
    if status == 206:
        raise ServerError(f"download {where}: a partial answer without Content-Range",
                          code="BadRange", status=206, key=key)
    if length < 0:
        raise ServerError(f"download {where}: the answer has no Content-Length",
                          code="NoLength", status=status, key=key)
    if offset > length:
        raise StorageError(f"download {where}: offset {offset} is past the end (size {length})",
                           code="InvalidRange", status=status, key=key)
    return offset, length
