"""The S3 engine's HTTP layer: ``requests`` with SigV4 from ``requests-aws4auth``.

Why it looks like this:

* One ``requests.Session`` per worker thread (keep-alive, no connection state
  shared between threads), explicit ``(connect, read)`` timeouts and no retries
  inside ``requests`` (retries live in :mod:`rfsync_core.transfer.retry`).
* ``trust_env`` is off: the environment's proxies (``no_proxy`` honoured) and CA
  bundle are read once per session, not scanned again on every request.
* Each request is a ``PreparedRequest`` built here from an already-quoted URL,
  signed by the thread's own ``AWS4Auth`` (its signing key is cached per day)
  and handed straight to the thread's adapter: ``Session.request`` would merge
  settings, cookies, hooks and redirects on every call, which costs more client
  CPU than the rest of a small PUT, and the S3 engine needs none of it.
* Every socket the adapters open is recorded, so :meth:`Transport.interrupt` can
  shut them down from another thread and wake a worker blocked in a send or a
  receive at once.
"""

from __future__ import annotations

import errno
import os
import re
import socket
import ssl
import threading
import weakref
from typing import Any, Dict, Iterator, List, Mapping, NamedTuple, Optional, Tuple, Type
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests_aws4auth import AWS4Auth
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError, ProxyError
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.util import Timeout

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
DEFAULT_TIMEOUT: Tuple[float, float] = (10.0, 75.0)
"""Seconds ``(connect, read)``: a TCP connect (and TLS handshake) may take the first; the second bounds
every wait for the server once connected — sending a body it has stopped reading, its answer, each read
of a body. 75 s: rclone holds an out-of-order part up to 60 s before it answers (platform settings
``connect_timeout``/``read_timeout``, docs/platforms.md)."""
NET_ERRORS: Tuple[Type[BaseException], ...] = (requests.RequestException, Urllib3Error, OSError)
"""What a broken exchange raises (while sending, or while reading an answer's body)."""

_ERRNO_WORDS = {errno.ECONNREFUSED: "connection refused", errno.ECONNRESET: "connection reset",
                errno.EHOSTUNREACH: "host unreachable", errno.ENETUNREACH: "network unreachable",
                errno.ECONNABORTED: "connection aborted", errno.EPIPE: "connection closed by the server",
                errno.ETIMEDOUT: "connection timed out"}


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what caused it: ``__cause__``/``__context__``, urllib3's ``reason``, an exception in ``args``."""
    seen: List[BaseException] = []
    todo: List[BaseException] = [exc]
    while todo and len(seen) < 12:
        cur = todo.pop(0)
        if any(cur is s for s in seen):
            continue
        seen.append(cur)
        yield cur
        nxt = [getattr(cur, "reason", None), cur.__cause__, cur.__context__,
               *(a for a in cur.args if isinstance(a, BaseException))]
        todo.extend(n for n in nxt if isinstance(n, BaseException))


_TIMEOUT_VALUE = re.compile(r"timeout=([0-9.]+)\)")


def _seconds(value: float) -> str:
    return f"{value:g} s"


def _waited(chain: List[BaseException], default: float) -> float:
    """The timeout that expired: urllib3 names it ("read timeout=10.0"; a TLS handshake waits the
    connect timeout but is reported as a read timeout), else ``default``."""
    for e in chain:
        m = _TIMEOUT_VALUE.search(str(e))
        if m:
            try:
                return float(m.group(1))
            except ValueError:
                break
    return default


def describe_net_error(exc: BaseException, origin: str, timeout: Tuple[float, float],
                       during: str = "") -> Tuple[str, str]:
    """One plain line (and a short code) for a failed exchange with ``origin``: the one place that reads
    requests' and urllib3's exceptions, so no ``_Pool(...)``/``Max retries exceeded`` reaches a user.

    ``timeout`` is the transport's ``(connect, read)``; ``during`` says what was going on
    (" while reading the answer"). Certificate failures are told apart by the caller (not retryable).
    """
    chain = list(_chain(exc))
    connect, read = timeout
    if any(isinstance(e, socket.gaierror) for e in chain):  # urllib3 2 wraps it in NameResolutionError
        return f"cannot resolve host {urlsplit(origin).hostname} (for {origin})", "NameResolution"
    if any(isinstance(e, requests.exceptions.ConnectTimeout) or
           (isinstance(e, ConnectTimeoutError) and not isinstance(e, NewConnectionError)) for e in chain):
        return f"cannot reach {origin} (no answer to connecting within {_seconds(connect)})", "ConnectTimeout"
    if any(isinstance(e, ProxyError) for e in chain):
        return f"cannot reach {origin} through the proxy ({_os_words(chain) or 'the proxy failed'})", "ProxyError"
    if any(isinstance(e, NewConnectionError) for e in chain):
        return f"cannot reach {origin} ({_os_words(chain) or 'connection failed'})", "ConnectionFailed"
    if any(isinstance(e, (Urllib3Timeout, requests.exceptions.Timeout, socket.timeout, TimeoutError))
           for e in chain):
        return f"no answer from {origin} within {_seconds(_waited(chain, read))}{during}", "ReadTimeout"
    if any(isinstance(e, ssl.SSLError) for e in chain):
        reason = next((str(getattr(e, "reason", "") or "") for e in chain if isinstance(e, ssl.SSLError)), "")
        return f"TLS with {origin} failed ({reason.lower().replace('_', ' ') or 'handshake error'}){during}", "TLSError"
    words = _os_words(chain)
    if words:
        return f"the connection to {origin} broke ({words}){during}", "ConnectionBroken"
    if any(type(e).__name__ in ("RemoteDisconnected", "IncompleteRead") for e in chain):
        return f"{origin} closed the connection before the answer was complete{during}", "ConnectionBroken"
    return f"the exchange with {origin} failed{during} ({type(exc).__name__})", type(exc).__name__


def _os_words(chain: List[BaseException]) -> str:
    for e in chain:
        if isinstance(e, OSError) and e.errno in _ERRNO_WORDS:
            return _ERRNO_WORDS[e.errno]
    for e in chain:
        if isinstance(e, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)):
            return "connection reset"
    return ""


class _Auth(AWS4Auth):
    """``AWS4Auth`` that can sign a request's payload as ``UNSIGNED-PAYLOAD``.

    ``AWS4Auth`` hashes the whole body (and reads a file-like one into memory).
    File bodies are checked by MD5 instead (Content-MD5 or the ETag), so for a request marked
    ``_rfsync_unsigned`` the body is hidden while the library signs, and the
    payload header is set to ``UNSIGNED-PAYLOAD`` before it builds the canonical
    headers; everything else (canonical request, string to sign, key) is the
    library's.
    """

    def __call__(self, req: Any) -> Any:
        if not getattr(req, "_rfsync_unsigned", False):
            return super().__call__(req)
        body, req.body = req.body, None
        try:
            return super().__call__(req)
        finally:
            req.body = body

    def get_canonical_headers(self, req: Any, include: Any = None) -> Tuple[str, str]:
        if getattr(req, "_rfsync_unsigned", False):
            req.headers["x-amz-content-sha256"] = UNSIGNED_PAYLOAD
        return super().get_canonical_headers(req, include)  # type: ignore[no-any-return]


class _SocketRegistry:
    """Every socket a transport opened, so another thread can shut them down."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._socks: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self.opened = 0
        """Sockets opened so far (tests check keep-alive with it)."""

    def add(self, sock: socket.socket) -> None:
        with self._lock:
            self._socks.add(sock)
            self.opened += 1

    def shutdown_all(self) -> None:
        with self._lock:
            socks = list(self._socks)
            self._socks = weakref.WeakSet()
        for sock in socks:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


_JOIN_MAX = 64 * 1024  # a body up to this size goes out in one send with the head: one syscall, not two


def _pool_classes(registry: _SocketRegistry, send_timeout: float) -> Dict[str, Type[HTTPConnectionPool]]:
    """urllib3 connection-pool classes whose new sockets are recorded in ``registry``, whose request
    (head and body) is sent under ``send_timeout``, and a small body in the head's send.

    Why: urllib3 sends the request under the *connect* timeout and switches to the read timeout only to
    wait for the answer, so a server that stops reading a big part while it is busy was given up after
    the connect timeout (10 s). The connection is made first, under the connect timeout, as before.
    """

    class _Tracked:
        def _new_conn(self) -> socket.socket:
            sock: socket.socket = super()._new_conn()  # type: ignore[misc]
            registry.add(sock)
            return sock

        _head: Optional[bytes] = None
        _join = False

        def request(self, method: str, url: str, body: Any = None, *args: Any, **kwargs: Any) -> None:
            if self.sock is None:  # type: ignore[attr-defined]
                self.connect()  # type: ignore[attr-defined]
            setattr(self, "timeout", send_timeout)  # noqa: B010 -- urllib3 2 applies it to the socket itself,
            self.sock.settimeout(send_timeout)  # type: ignore[attr-defined]  # urllib3 1.26 does not
            self._join = isinstance(body, (bytes, bytearray)) and 0 < len(body) <= _JOIN_MAX
            try:
                super().request(method, url, body, *args, **kwargs)  # type: ignore[misc]
                if self._head is not None:  # the body was never sent apart: the head must still go
                    super().send(self._head)  # type: ignore[misc]
            finally:
                self._join, self._head = False, None

        def send(self, data: Any) -> None:
            if self._join:
                if self._head is None:
                    self._head = bytes(data)
                    return
                data, self._head, self._join = self._head + bytes(data), None, False
            super().send(data)  # type: ignore[misc]

    class _Conn(_Tracked, HTTPConnection):
        pass

    class _SConn(_Tracked, HTTPSConnection):
        pass

    class _Pool(HTTPConnectionPool):
        ConnectionCls = _Conn

    class _SPool(HTTPSConnectionPool):
        ConnectionCls = _SConn

    return {"http": _Pool, "https": _SPool}


class _TrackedAdapter(HTTPAdapter):
    """An adapter whose sockets (direct or through a proxy) can be shut down from another thread."""

    def __init__(self, registry: _SocketRegistry, pool_size: int, send_timeout: float) -> None:
        self._classes = _pool_classes(registry, send_timeout)
        self._pools: Dict[Tuple[str, Any, Any], Any] = {}
        self._full_url: Dict[str, bool] = {}
        super().__init__(pool_connections=2, pool_maxsize=pool_size, max_retries=0)

    def init_poolmanager(self, connections: int, maxsize: int, block: bool = False, **kw: Any) -> None:
        super().init_poolmanager(connections, maxsize, block, **kw)
        self.poolmanager.pool_classes_by_scheme = self._classes

    def get_connection_with_tls_context(self, request: Any, verify: Any, proxies: Any = None,
                                        cert: Any = None) -> Any:
        """The library's pool lookup, remembered: this adapter serves one thread, one endpoint and
        fixed settings, and the lookup (URL parse, proxy match, pool key) costs a tenth of a small PUT."""
        url: str = request.url
        key = (url[:url.find("/", 8)], verify, cert)
        pool = self._pools.get(key)
        if pool is None or pool.pool is None:  # not looked up yet, or closed with the session
            pool = super().get_connection_with_tls_context(request, verify, proxies, cert)
            self._pools[key] = pool
        return pool

    def request_url(self, request: Any, proxies: Any) -> str:
        """The library's choice (path, or whole URL via an HTTP proxy), made once: it parses the URL 3 times."""
        url: str = request.url
        cut = url.find("/", 8)
        full = self._full_url.get(url[:cut])
        if full is None:  # fixed per origin: one endpoint, the thread's fixed proxies
            full = self._full_url[url[:cut]] = super().request_url(request, proxies) != request.path_url
        return url if full else url[cut:]

    def build_response(self, req: Any, resp: Any) -> requests.Response:
        """The library's response, less what S3 never uses: cookie extraction, charset sniffing and a
        second copy of the headers (urllib3's are case-insensitive already).

        ``HTTPAdapter.build_response`` is documented as the place to customise when subclassing;
        skipping the cookie jar saves about a twelfth of a small PUT's client CPU.
        """
        response = requests.Response()
        response.status_code = resp.status
        response.headers = resp.headers  # type: ignore[assignment]  # urllib3's dict: already case-insensitive
        response.raw = resp
        response.reason = resp.reason
        response.url = req.url
        response.request = req
        response.connection = self  # type: ignore[attr-defined]
        return response

    def close(self) -> None:
        self._pools.clear()
        self._full_url.clear()
        super().close()

    def proxy_manager_for(self, proxy: str, **kw: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kw)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = self._classes
        return manager


class _Thread(NamedTuple):
    """One worker thread's session, adapter and signer."""
    session: requests.Session
    adapter: HTTPAdapter
    auth: _Auth
    epoch: int
    verify: Any
    proxies: Dict[str, str]


class Transport:
    """Signed requests to one S3 endpoint over per-thread keep-alive sessions. Thread-safe."""

    def __init__(
        self,
        origin: str,
        *,
        access_key: str,
        secret_key: str,
        region: str,
        session_token: Optional[str],
        timeout: Tuple[float, float],
        verify_tls: bool,
        pool_size: int,
        user_agent: str,
        ca_bundle: Optional[str] = None,
    ) -> None:
        self.origin = origin
        self.timeout = timeout
        self._timeout = Timeout(connect=timeout[0], read=timeout[1])  # built once, not per request
        self._verify_tls = verify_tls
        self._ca_bundle = ca_bundle
        self._pool_size = pool_size
        self._creds = (access_key, secret_key, region, session_token)
        host = origin.split("://", 1)[1]
        if origin.startswith("http://") and host.endswith(":80"):
            host = host[:-3]
        elif origin.startswith("https://") and host.endswith(":443"):
            host = host[:-4]
        self.host = host
        """The ``Host`` header sent and signed (the port only when it is not the scheme's default)."""
        self._user_agent = user_agent
        self._lock = threading.Lock()
        self._local = threading.local()
        self._epoch = 0
        self._sessions: List[requests.Session] = []
        self.registry = _SocketRegistry()

    def __repr__(self) -> str:
        return f"Transport({self.origin!r})"

    def _thread(self) -> _Thread:
        state: Optional[_Thread] = getattr(self._local, "state", None)
        epoch = self._epoch
        if state is not None and state.epoch == epoch:
            return state
        session = requests.Session()
        adapter = _TrackedAdapter(self.registry, self._pool_size, self.timeout[1])
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.trust_env = False
        # Proxies and CA bundle from the environment, read once per session (requests would scan the
        # environment on every request with trust_env on).
        proxies = dict(requests.utils.get_environ_proxies(self.origin))
        ca_bundle = self._ca_bundle or os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
        verify: Any = ca_bundle if (self._verify_tls and ca_bundle) else self._verify_tls
        session.proxies, session.verify = proxies, verify
        access_key, secret_key, region, token = self._creds
        auth = _Auth(access_key, secret_key, region, "s3", session_token=token)
        state = _Thread(session, adapter, auth, epoch, verify, proxies)
        with self._lock:  # tracked even if interrupted meanwhile: the next interrupt/close ends it
            self._sessions.append(session)
        self._local.state = state
        return state

    def request(
        self,
        method: str,
        path_and_query: str,
        headers: Optional[Mapping[str, str]] = None,
        body: Any = None,
        *,
        unsigned: bool = False,
    ) -> requests.Response:
        """Send one signed request and return its answer with the body not yet read.

        ``path_and_query`` is already quoted. ``body`` is bytes (its SHA-256 is
        signed unless ``unsigned``) or an iterator of chunks (then ``headers``
        must carry its ``Content-Length``; always signed as ``UNSIGNED-PAYLOAD``).
        Read the answer with :func:`read_body` or give it back with :func:`release`.
        """
        state = self._thread()
        prep = requests.PreparedRequest()
        prep.method = method
        prep.url = self.origin + path_and_query
        # A plain dict (each name has one spelling; the signer looks for a lower-case "host"), not requests' own.
        hdrs: Dict[str, str] = {"host": self.host}  # set here so the Host signed is the Host sent
        if headers:
            hdrs.update(headers)
        prep.headers = hdrs  # type: ignore[assignment]
        prep.body = body
        if unsigned or not (body is None or isinstance(body, (bytes, bytearray))):
            prep._rfsync_unsigned = True  # type: ignore[attr-defined]
        state.auth(prep)
        # Not signed, so added after signing (fewer headers for AWS4Auth to scan); http.client adds
        # "Accept-Encoding: identity" itself.
        hdrs["User-Agent"] = self._user_agent
        if body is None:
            if method in ("PUT", "POST"):
                hdrs["Content-Length"] = "0"
        elif isinstance(body, (bytes, bytearray)):
            hdrs["Content-Length"] = str(len(body))
        resp = state.adapter.send(prep, stream=True, timeout=self._timeout,  # type: ignore[arg-type]
                                  verify=state.verify, proxies=state.proxies)
        if method == "HEAD" or resp.headers.get("Content-Length") == "0":
            resp.raw.read()  # nothing to read: hand the connection back now
        return resp

    def interrupt(self) -> None:
        """Shut down every socket (in-flight requests fail at once); later requests use new sessions."""
        with self._lock:
            self._epoch += 1
            sessions, self._sessions = self._sessions, []
        self.registry.shutdown_all()
        for session in sessions:
            _close(session)

    def close(self) -> None:
        """Close every session's idle connections; a busy one is closed when its request ends."""
        with self._lock:
            self._epoch += 1
            sessions, self._sessions = self._sessions, []
        for session in sessions:
            _close(session)


def _close(session: requests.Session) -> None:
    try:
        session.close()
    except Exception:  # closing is best effort: a busy connection may be mid-use in its thread
        pass


def read_body(resp: requests.Response, amt: Optional[int] = None) -> bytes:
    """Up to ``amt`` bytes of an answer's body (all of it when None); b"" at the end.

    Reading to the end hands the connection back to the thread's pool.
    """
    return resp.raw.read(amt) or b""


def release(resp: requests.Response) -> None:
    """Done with an answer: its connection is reused when the body was read to the end, else dropped."""
    resp.close()
