"""The S3 engine's own SigV4 signer gives exactly the signatures requests-aws4auth gives."""

from __future__ import annotations

import calendar
import hashlib
import time
from typing import Dict, List, Optional, Tuple
from urllib.parse import quote

import pytest
from requests.structures import CaseInsensitiveDict
from requests_aws4auth import AWS4Auth

from rfsync_core.storage._sigv4 import EMPTY_SHA256, UNSIGNED_PAYLOAD, Signer, canonical_query


class _Req:
    """The request shape AWS4Auth signs (method, url, headers, body)."""

    def __init__(self, method: str, url: str, headers: Dict[str, str], body: Optional[bytes]) -> None:
        self.method = method
        self.url = url
        self.headers = CaseInsensitiveDict(headers)
        self.body = body


def _qs(params: Dict[str, Optional[str]]) -> str:
    return "&".join(quote(k, safe="-_.~") + ("" if v is None else "=" + quote(v, safe="-_.~"))
                    for k, v in params.items())


CASES: List[Tuple[str, str, Dict[str, Optional[str]], List[Tuple[str, str]], Optional[str]]] = [
    ("PUT", "bkt/farm/input/D/proj/tex/wood.exr", {}, [("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==")], None),
    ("PUT", "bkt/farm/a b/ü€/x+y%z~_.exr", {"partNumber": "3", "uploadId": "a/b+c=="}, [], None),
    ("POST", "bkt/k", {"uploads": None}, [], None),
    ("GET", "bkt", {"list-type": "2", "prefix": "farm/in put/", "max-keys": "1000",
                    "continuation-token": "x y/z=="}, [], "tok/en+=="),
    ("POST", "bkt/k", {"uploadId": "u"}, [("Content-Type", "application/xml")], None),
]


@pytest.mark.parametrize("method,path,params,headers,token", CASES)
def test_signature_equals_aws4auth(method: str, path: str, params: Dict[str, Optional[str]],
                                   headers: List[Tuple[str, str]], token: Optional[str]) -> None:
    host = "127.0.0.1:9000"
    quoted = "/" + quote(path, safe="/~")
    now = calendar.timegm((2024, 5, 6, 7, 8, 9, 0, 0, 0))
    signer = Signer("AKID", "secret/key+x", "eu-west-3", session_token=token)
    body = b"<CompleteMultipartUpload/>" if method == "POST" and params.get("uploadId") else None
    payload = hashlib.sha256(body).hexdigest() if body else (UNSIGNED_PAYLOAD if method == "PUT" else EMPTY_SHA256)
    mine = dict(signer.sign(method, quoted, canonical_query(params), host, headers, payload, now=now))

    auth = AWS4Auth("AKID", "secret/key+x", "eu-west-3", "s3", session_token=token,
                    date=time.strftime("%Y%m%d", time.gmtime(now)))
    url = f"http://{host}{quoted}" + ("?" + _qs(params) if params else "")
    req = _Req(method, url, dict(headers, **{"x-amz-date": mine["x-amz-date"]}), body)
    if payload == UNSIGNED_PAYLOAD:
        class _Unsigned(AWS4Auth):  # the way the engine used to sign streamed bodies
            def get_canonical_headers(self, r, include=None):  # type: ignore[no-untyped-def]
                r.headers["x-amz-content-sha256"] = UNSIGNED_PAYLOAD
                return super().get_canonical_headers(r, include)
        auth = _Unsigned("AKID", "secret/key+x", "eu-west-3", "s3", session_token=token,
                         date=time.strftime("%Y%m%d", time.gmtime(now)))
    auth(req)
    assert mine["Authorization"] == req.headers["Authorization"]
    assert mine["x-amz-content-sha256"] == req.headers["x-amz-content-sha256"]
    if token:
        assert mine["x-amz-security-token"] == token


def test_signing_key_follows_the_day() -> None:
    signer = Signer("AKID", "s", "us-east-1")
    day1 = dict(signer.sign("GET", "/b", "", "h", [], EMPTY_SHA256, now=86400 * 20000))
    day2 = dict(signer.sign("GET", "/b", "", "h", [], EMPTY_SHA256, now=86400 * 20001))
    scope1 = day1["Authorization"].split("Credential=")[1].split(",")[0]
    scope2 = day2["Authorization"].split("Credential=")[1].split(",")[0]
    assert scope1 == f"AKID/{time.strftime('%Y%m%d', time.gmtime(86400 * 20000))}/us-east-1/s3/aws4_request"
    assert scope1 != scope2 and day1["x-amz-date"][:8] != day2["x-amz-date"][:8]
    assert "secret" not in repr(signer) and "'s'" not in repr(signer)
