"""Small pure helpers of the S3 engine: ETags, dates, XML, query strings, error classes."""

from __future__ import annotations

import base64
import calendar
import email.utils
import re
import xml.etree.ElementTree as ET
from typing import Dict, Optional, Type
from urllib.parse import quote

from ..errors import (
    AccessDeniedError,
    BadDigestError,
    NotFoundError,
    ServerError,
    StorageConnectionError,
    StorageError,
    ThrottledError,
)

_MD5_RE = re.compile(r"^[0-9a-fA-F]{32}$")
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


def is_md5(etag: str) -> bool:
    return bool(_MD5_RE.match(etag))


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


