"""The S3 engine's HTTP/1.1 transport: one keep-alive ``http.client`` connection per thread.

Why not ``requests``: for a 4 KiB PUT, ``requests`` (session merging, hooks,
header dicts, ``urllib3`` pool and retry objects) cost more client CPU than the
rest of the upload together, and small-file throughput on a shared machine is
bounded by that CPU. The S3 engine only needs a few things, all kept here:

* keep-alive per worker thread (no connection shared between threads), with a
  dropped idle connection detected before reuse (like ``urllib3`` does);
* separate connect and read timeouts; ``TCP_NODELAY``;
* TLS verified against ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` or certifi's
  bundle (what ``requests`` used), or not verified when the platform says so;
* the environment's HTTP(S) proxy for the endpoint (read once), honouring
  ``no_proxy``: plain HTTP through the proxy, HTTPS through a CONNECT tunnel;
* every socket recorded in a :class:`SocketRegistry`, so :meth:`Transport.interrupt`
  can shut them down from another thread and wake a worker blocked in
  ``send``/``recv`` at once.

Nothing here retries or interprets S3 answers; :mod:`.s3` does that.
"""

from __future__ import annotations

import base64
import http.client
import os
import select
import socket
import ssl
import sys
import threading
import weakref
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import unquote, urlsplit

HTTPException = http.client.HTTPException
"""Raised (besides ``OSError``) for a broken HTTP exchange."""
_MAX_LINE = 65536
_MAX_HEADERS = 100


class SocketRegistry:
    """Every socket a transport opened, so another thread can shut them down."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._socks: weakref.WeakSet[socket.socket] = weakref.WeakSet()

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            self._socks.add(sock)

    def shutdown_all(self) -> None:
        with self._lock:
            socks = list(self._socks)
            self._socks = weakref.WeakSet()
        for sock in socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def _dropped(sock: Optional[socket.socket]) -> bool:
    """True when an idle keep-alive socket was closed by the server (readable = EOF or junk)."""
    if sock is None:
        return True
    try:
        readable, _, _ = select.select([sock], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


def _proxy_for(endpoint: str) -> Optional[str]:
    """The environment's proxy URL for ``endpoint`` (``no_proxy`` honoured), or None."""
    if os.name == "posix" and sys.platform != "darwin" and not any(k.lower().endswith("_proxy") for k in os.environ):
        return None  # the common case, without importing urllib.request (~20 ms of start-up)
    from urllib.request import getproxies, proxy_bypass

    split = urlsplit(endpoint)
    host = split.hostname or ""
    try:
        if proxy_bypass(host if split.port is None else f"{host}:{split.port}"):
            return None
    except Exception:  # proxy_bypass may consult platform settings; never fatal
        pass
    proxies = getproxies()
    return proxies.get(split.scheme) or proxies.get("all") or None


def _ssl_context(verify: bool) -> ssl.SSLContext:
    if not verify:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        return ctx
    cafile = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if not cafile:
        try:
            import certifi

            cafile = certifi.where()
        except ImportError:  # pragma: no cover - certifi comes with requests
            cafile = None
    return ssl.create_default_context(cafile=cafile)


class Headers(Dict[str, str]):
    """An answer's headers by lower-case name (repeats joined with ", "); ``get`` ignores case."""

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return dict.get(self, name.lower(), default)

    def get_all(self, name: str, failobj: Any = None) -> Any:
        value = dict.get(self, name.lower())
        return [value] if value is not None else failobj


def _parse_headers(fp: Any) -> Headers:
    """Header lines up to the blank line, as :class:`Headers` (the limits of ``http.client``)."""
    headers = Headers()
    last = ""
    for _ in range(_MAX_HEADERS + 1):
        line = fp.readline(_MAX_LINE + 1)
        if len(line) > _MAX_LINE:
            raise http.client.LineTooLong("header line")
        if line in (b"\r\n", b"\n", b""):
            return headers
        text = line.decode("iso-8859-1")
        if text[:1] in (" ", "\t") and last:  # an obsolete folded continuation line
            headers[last] += " " + text.strip()
            continue
        name, sep, value = text.partition(":")
        if not sep:
            continue  # not a header line: ignored, like the email parser's defect handling
        last = name.strip().lower()
        value = value.strip()
        headers[last] = f"{headers[last]}, {value}" if last in headers else value
    raise HTTPException(f"got more than {_MAX_HEADERS} headers")


class _FastResponse(http.client.HTTPResponse):
    """``http.client``'s response with a plain header parser.

    The stock ``begin`` parses headers with the ``email`` package, the largest
    single CPU cost of a small PUT. This is the same ``begin`` (identical in
    Python 3.9 to 3.13) with :func:`_parse_headers` instead.
    """

    def begin(self) -> None:
        if self.headers is not None:
            return
        while True:
            version, status, reason = self._read_status()  # type: ignore[attr-defined]
            if status != http.client.CONTINUE:
                break
            _parse_headers(self.fp)  # skip the header of a 100 answer
        self.code = self.status = status
        self.reason = reason.strip()
        if version in ("HTTP/1.0", "HTTP/0.9"):
            self.version = 10
        elif version.startswith("HTTP/1."):
            self.version = 11
        else:
            raise http.client.UnknownProtocol(version)
        self.headers = self.msg = _parse_headers(self.fp)  # type: ignore[assignment]
        tr_enc = self.headers.get("transfer-encoding")
        self.chunked = bool(tr_enc and tr_enc.lower() == "chunked")  # type: ignore[attr-defined]
        if self.chunked:  # type: ignore[attr-defined]
            self.chunk_left = None  # type: ignore[attr-defined]
        self.will_close = self._check_close()  # type: ignore[attr-defined]
        self.length = None
        length = self.headers.get("content-length")
        if length and not self.chunked:  # type: ignore[attr-defined]
            try:
                self.length = int(length)
            except ValueError:
                self.length = None
            else:
                if self.length < 0:
                    self.length = None
        if status in (204, 304) or 100 <= status < 200 or self._method == "HEAD":  # type: ignore[attr-defined]
            self.length = 0
        if not self.will_close and not self.chunked and self.length is None:  # type: ignore[attr-defined]
            self.will_close = True


class Response:
    """One HTTP answer; read it fully or close it (an unread answer closes its connection)."""

    def __init__(self, transport: Transport, conn: http.client.HTTPConnection, raw: http.client.HTTPResponse,
                 epoch: int) -> None:
        self._transport = transport
        self._conn: Optional[http.client.HTTPConnection] = conn
        self._epoch = epoch
        self.raw = raw
        self.status = raw.status
        self.headers = raw.msg
        """Case-insensitive ``.get(name)``."""

    def read(self, amt: Optional[int] = None) -> bytes:
        """Up to ``amt`` bytes of the body (all of it when None); b"" at the end."""
        data = self.raw.read(amt)
        if self.raw.isclosed():
            self._release()
        return data

    def close(self) -> None:
        """Done with this answer: its connection is reused if the body was read, else dropped."""
        self._release()

    def _release(self) -> None:
        conn, self._conn = self._conn, None
        if conn is None:
            return
        reusable = self.raw.isclosed() and not self.raw.will_close
        if not reusable:
            self.raw.close()
        self._transport._release(conn, self._epoch, reusable)


class Transport:
    """Per-thread keep-alive connections to one S3 endpoint. Thread-safe."""

    def __init__(self, endpoint: str, *, timeout: Tuple[float, float], verify_tls: bool, user_agent: str) -> None:
        split = urlsplit(endpoint)
        self.scheme = split.scheme
        self.host = split.hostname or ""
        self.port = split.port or (443 if self.scheme == "https" else 80)
        default_port = (self.scheme == "https" and self.port == 443) or (self.scheme == "http" and self.port == 80)
        netloc_host = f"[{self.host}]" if ":" in self.host else self.host
        self.host_header = netloc_host if default_port else f"{netloc_host}:{self.port}"
        """The ``Host`` header sent (and signed): the port only when it is not the scheme's default."""
        self.origin = f"{self.scheme}://{self.host_header}"
        self.connect_timeout, self.read_timeout = timeout
        self.user_agent = user_agent
        self._ssl = _ssl_context(verify_tls) if self.scheme == "https" else None
        self._proxy: Optional[Tuple[str, int, Dict[str, str]]] = None
        proxy = _proxy_for(endpoint)
        if proxy:
            p = urlsplit(proxy if "://" in proxy else "http://" + proxy)
            headers: Dict[str, str] = {}
            if p.username:
                token = f"{unquote(p.username)}:{unquote(p.password or '')}".encode()
                headers["Proxy-Authorization"] = "Basic " + base64.b64encode(token).decode("ascii")
            self._proxy = (p.hostname or "", p.port or 8080, headers)
        self._lock = threading.Lock()
        self._local = threading.local()
        self._epoch = 0
        self._registry = SocketRegistry()
        self._idle: weakref.WeakSet[http.client.HTTPConnection] = weakref.WeakSet()

    # -- connections ---------------------------------------------------------------------------------------
    def _create_socket(self, address: Tuple[str, int], timeout: Any = None, source: Any = None) -> socket.socket:
        sock = socket.create_connection(address, self.connect_timeout, source)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:  # pragma: no cover - not TCP (e.g. a unix proxy socket)
            pass
        sock.settimeout(self.read_timeout)
        self._registry.add(sock)
        return sock

    def _new_connection(self) -> http.client.HTTPConnection:
        host, port = self.host, self.port
        if self._proxy is not None:
            host, port = self._proxy[0], self._proxy[1]
        conn: http.client.HTTPConnection
        if self.scheme == "https":
            conn = http.client.HTTPSConnection(host, port, timeout=self.read_timeout, context=self._ssl)
            if self._proxy is not None:
                conn.set_tunnel(self.host, self.port, headers=self._proxy[2])
        else:
            conn = http.client.HTTPConnection(host, port, timeout=self.read_timeout)
        conn._create_connection = self._create_socket  # type: ignore[attr-defined]
        conn.response_class = _FastResponse
        return conn

    def _connection(self) -> Tuple[http.client.HTTPConnection, int]:
        local = self._local
        epoch = self._epoch
        conn: Optional[http.client.HTTPConnection] = getattr(local, "conn", None)
        if conn is not None:
            local.conn = None
            with self._lock:
                self._idle.discard(conn)
            if local.epoch != epoch or (conn.sock is not None and _dropped(conn.sock)):
                conn.close()
                conn = None
        if conn is None:
            conn = self._new_connection()
        return conn, epoch

    def _release(self, conn: http.client.HTTPConnection, epoch: int, reusable: bool) -> None:
        if not reusable or epoch != self._epoch:
            conn.close()
            return
        local = self._local
        old = getattr(local, "conn", None)
        if old is not None and old is not conn:  # pragma: no cover - one request at a time per thread
            old.close()
        local.conn, local.epoch = conn, epoch
        with self._lock:
            self._idle.add(conn)

    # -- requests ------------------------------------------------------------------------------------------
    def target(self, path_and_query: str) -> str:
        """The request target: the path, or the absolute URL through a plain-HTTP proxy."""
        if self._proxy is not None and self.scheme == "http":
            return self.origin + path_and_query
        return path_and_query

    def start(self, method: str, target: str, headers: List[Tuple[str, str]],
              body: Optional[bytes] = None) -> Tuple[http.client.HTTPConnection, int]:
        """Send the request line, ``headers`` and (when given) a small ``body`` in one write.

        The caller then sends any streamed body with :meth:`send` and calls
        :meth:`finish`. On an error the connection is closed and the error raised.
        """
        conn, epoch = self._connection()
        try:
            conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                conn.putheader(name, value)
            conn.endheaders(body)
        except BaseException:
            conn.close()
            raise
        return conn, epoch

    def send(self, conn: http.client.HTTPConnection, data: Any) -> None:
        """Send part of a streamed body (bytes or a memoryview).

        A ``BrokenPipeError``/``ConnectionResetError`` is left open for
        :meth:`early_answer` (a server may refuse a body and close); any other
        error closes the connection.
        """
        try:
            sock = conn.sock
            if sock is None:
                raise ConnectionAbortedError("connection closed while sending")
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            raise
        except BaseException:
            conn.close()
            raise

    def early_answer(self, conn: http.client.HTTPConnection, epoch: int, wait: float = 3.0) -> Optional[Response]:
        """The answer a server sent before it stopped reading the body (e.g. 403), if any; the
        connection is not reused either way."""
        try:
            if conn.sock is not None:
                conn.sock.settimeout(wait)
            raw = conn.getresponse()
        except BaseException:
            conn.close()
            return None
        raw.will_close = True
        return Response(self, conn, raw, epoch)

    def finish(self, conn: http.client.HTTPConnection, epoch: int, method: str) -> Response:
        """Wait for the answer's status and headers."""
        try:
            raw = conn.getresponse()
        except BaseException:
            conn.close()
            raise
        resp = Response(self, conn, raw, epoch)
        if method == "HEAD" or raw.length == 0:
            resp.read()  # nothing to read: hand the connection back now
        return resp

    # -- lifecycle -----------------------------------------------------------------------------------------
    def interrupt(self) -> None:
        """Shut down every socket (in-flight requests fail at once); later requests reconnect."""
        with self._lock:
            self._epoch += 1
            idle, self._idle = list(self._idle), weakref.WeakSet()
        self._registry.shutdown_all()
        for conn in idle:
            conn.close()

    def close(self) -> None:
        """Close idle connections now; busy ones are closed when their request ends."""
        with self._lock:
            self._epoch += 1
            idle, self._idle = list(self._idle), weakref.WeakSet()
        for conn in idle:
            conn.close()
