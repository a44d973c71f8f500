"""Run ``moto_server`` with one fix to its signature check: ``python s3_moto_main.py -H 127.0.0.1 -p PORT``.

Why: moto 5 checks a SigV4 signature against the request's query string as werkzeug
hands it over, already percent-decoded (``prefix=farm/``), while every client signs
the canonical, encoded form (``prefix=farm%2F``, AWS's SigV4 rules). So any request
whose query holds a ``/``, a space or a non-ASCII character fails with
SignatureDoesNotMatch, from boto3 as from rfsync (getmoto/moto issue #5948, fix
proposed in PR #5949, open). The patch re-encodes the query the way AWS does
(decode, then quote everything but ``-_.~``) before moto builds its canonical
request; nothing else in moto changes. It runs in moto's own interpreter, never
in the test process.
"""

from __future__ import annotations

import sys
from typing import Any
from urllib.parse import parse_qsl, quote


def canonical_path(path: str) -> str:
    """``/b?prefix=farm/`` → ``/b?prefix=farm%2F`` (the query as SigV4 canonicalises it)."""
    base, sep, query = path.partition("?")
    if not sep:
        return path
    pairs = parse_qsl(query.replace("+", "%2B"), keep_blank_values=True)
    return base + "?" + "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs)


def patch() -> None:
    from moto.iam import access_control

    base = access_control.IAMRequestBase
    original = base._create_aws_request

    def _create_aws_request(self: Any) -> Any:
        self._path = canonical_path(self._path)
        return original(self)

    base._create_aws_request = _create_aws_request  # type: ignore[method-assign]


if __name__ == "__main__":
    patch()
    from moto.server import main

    main(sys.argv[1:])
