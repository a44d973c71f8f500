"""SigV4 request signing for the S3 engine (the same signatures as requests-aws4auth).

``AWS4Auth`` signs a generic request: it parses dates, re-parses the URL,
copies and re-scans a header dict and recomputes canonical forms on every call
(~80 µs, a sixth of a small PUT's client CPU), and importing it imports
``requests`` (~60 ms of every CLI start). The S3 engine builds every request
itself, so the canonical URI (already S3-quoted), the query (a dict) and the
headers (a short list) are known exactly; only the string-to-sign and one HMAC
remain per request, with the derived key made once per UTC day.
``tests/test_storage_s3_sigv4.py`` checks that the signatures equal ``AWS4Auth``'s.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from typing import Dict, List, Optional, Tuple
from urllib.parse import quote

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def canonical_query(params: Optional[Dict[str, Optional[str]]]) -> str:
    """The SigV4 canonical query string (sorted, ``%20``-quoted, ``name=`` for valueless names)."""
    if not params:
        return ""
    items = sorted((quote(k, safe="-_.~"), quote(v or "", safe="-_.~")) for k, v in params.items())
    return "&".join(f"{k}={v}" for k, v in items)


class Signer:
    """Signs S3 requests for one access key, region and (optional) session token. Thread-safe."""

    def __init__(self, access_key: str, secret_key: str, region: str, session_token: Optional[str] = None,
                 service: str = "s3") -> None:
        self._access_key = access_key
        self._secret_key = secret_key
        self._region = region
        self._service = service
        self._token = session_token
        self._lock = threading.Lock()
        self._key: Tuple[str, bytes, str] = ("", b"", "")

    def __repr__(self) -> str:
        return f"Signer(region={self._region!r})"

    def _key_for(self, day: str) -> Tuple[bytes, str]:
        key = self._key
        if key[0] != day:
            with self._lock:
                if self._key[0] != day:
                    derived = ("AWS4" + self._secret_key).encode("utf-8")
                    for part in (day, self._region, self._service, "aws4_request"):
                        derived = hmac.new(derived, part.encode("utf-8"), hashlib.sha256).digest()
                    self._key = (day, derived, f"{day}/{self._region}/{self._service}/aws4_request")
                key = self._key
        return key[1], key[2]

    def sign(
        self,
        method: str,
        path: str,
        query: str,
        host: str,
        headers: List[Tuple[str, str]],
        payload_hash: str,
        now: Optional[float] = None,
    ) -> List[Tuple[str, str]]:
        """Return ``headers`` plus the SigV4 ones (``x-amz-date``, ``x-amz-content-sha256``,
        ``Authorization`` and the session token when there is one).

        ``path`` is the S3-quoted request path, ``query`` the :func:`canonical_query`
        of the request's parameters. Signed: ``host``, ``content-type`` and every
        ``x-amz-*`` header (what ``AWS4Auth`` signs by default).
        """
        stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
        key, scope = self._key_for(stamp[:8])
        out = list(headers)
        out.append(("x-amz-date", stamp))
        out.append(("x-amz-content-sha256", payload_hash))
        if self._token:
            out.append(("x-amz-security-token", self._token))
        signed: Dict[str, str] = {"host": host}
        for name, value in out:
            low = name.lower()
            if low == "content-type" or low.startswith("x-amz-"):
                signed[low] = " ".join(value.split())
        names = sorted(signed)
        canonical = "\n".join((
            method, path, query,
            "".join(f"{n}:{signed[n]}\n" for n in names),
            ";".join(names),
            payload_hash,
        ))
        to_sign = f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        out.append(("Authorization", f"AWS4-HMAC-SHA256 Credential={self._access_key}/{scope}, "
                                      f"SignedHeaders={';'.join(names)}, Signature={signature}"))
        return out
