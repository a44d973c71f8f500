"""A wrong signing region: AWS's answers name the bucket's region, and rfsync's one-line error says it.

None of the servers the tests start checks the region (Ceph RGW and moto accept any, rclone
ignores it), so a small loopback HTTP server answers what AWS S3 answers instead. Its bodies
follow AWS's documented error responses (S3 API Reference, "Error responses": the
``AuthorizationHeaderMalformed`` body carries ``<Region>``; ``PermanentRedirect`` is a 301 with
``<Endpoint>`` and the ``x-amz-bucket-region`` header, which botocore's ``S3RegionRedirector``
in ``botocore/utils.py`` reads). rfsync's own HTTP layer is not replaced: it talks to this server.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Iterator, Tuple

import pytest

from rfsync_core.errors import StorageError
from rfsync_core.storage.s3 import S3Storage

MALFORMED = (400, {}, b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AuthorizationHeaderMalformed</Code>"
             b"<Message>The authorization header is malformed; the region 'us-east-1' is wrong; expecting "
             b"'eu-west-1'</Message><Region>eu-west-1</Region><RequestId>R</RequestId><HostId>H</HostId></Error>")
REDIRECT = (301, {"x-amz-bucket-region": "ap-south-1"},
            b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>PermanentRedirect</Code><Message>The bucket "
            b"you are attempting to access must be addressed using the specified endpoint. Please send all "
            b"future requests to this endpoint.</Message><Endpoint>farm.s3.ap-south-1.amazonaws.com</Endpoint>"
            b"<Bucket>farm</Bucket><RequestId>R</RequestId><HostId>H</HostId></Error>")


@pytest.fixture
def aws_like() -> Iterator[Tuple[str, list]]:
    """A loopback server answering every request with the answer at the head of the list."""
    answers: list = []

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            status, headers, body = answers[0]
            self.send_response(status)
            for name, value in {"Content-Type": "application/xml", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_PUT = do_HEAD = do_POST = do_DELETE = _answer

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", answers
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize(("answer", "region", "code"), [(MALFORMED, "eu-west-1", "AuthorizationHeaderMalformed"),
                                                        (REDIRECT, "ap-south-1", "PermanentRedirect")])
def test_a_wrong_region_names_the_buckets_region(aws_like: Tuple[str, list], answer: tuple, region: str,
                                                 code: str) -> None:
    endpoint, answers = aws_like
    answers.append(answer)
    st = S3Storage(endpoint=endpoint, bucket="farm", prefix="p", access_key="AK", secret_key="SECRET-XYZ",
                   region="us-east-1")
    try:
        with pytest.raises(StorageError) as info:
            st.put_bytes("tasks/1/cfg/task.json", b"{}")
    finally:
        st.close()
    text = str(info.value)
    assert "\n" not in text and info.value.code == code and not info.value.retryable
    assert f"is in region {region}, not us-east-1" in text and f'"region": "{region}"' in text
    assert "secret key" not in text and "SECRET-XYZ" not in text
