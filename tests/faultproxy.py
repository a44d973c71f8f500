"""A fault-injecting TCP proxy for HTTP/1.1 in front of the test S3 server.

It listens on ``127.0.0.1:0`` and forwards each client connection to the
target. It parses just enough of every request (the head and its
``Content-Length``) to inject faults at request boundaries:

* ``reset_after(n)``: forward ``n`` bytes of the next request's body, then
  reset both connections (RST), as a flaky network would.
* ``fail_next(k, status)``: answer the next ``k`` requests itself with a valid
  S3 XML error (503 SlowDown or 500 InternalError) without forwarding them;
  ``k=None`` keeps failing until :meth:`clear`.
* ``cut_response_after(n)``: forward ``n`` bytes of the next response, then
  reset both connections (a download cut off mid-body).
* ``corrupt_next(match)``: flip the first byte of the body of the next
  request whose request line contains ``match`` (a bad NIC, a broken
  middlebox: TCP checksums pass, the bytes are wrong).
* ``corrupt_response(match, times)``: flip the first body byte of the answers to the next
  ``times`` requests whose head (request line and headers, e.g. a ``Range:``) contains
  ``match``; ``times=None`` keeps corrupting until :meth:`clear` (a link that always does it).
* ``answer_matching(pattern, status)``: answer every request whose request line
  matches ``pattern`` (a regex) with ``status`` itself, e.g. 405 to ListParts
  (``GET …?uploadId=``) for a server without it.
* ``stall(seconds)``: stop forwarding in both directions for that long.
* ``refuse(True)``: reset every new connection at once (a server that is down).

Everything is bounded: a cap on connections, socket timeouts so threads see
``stop()``, and a lifetime after which the proxy stops itself.
"""

from __future__ import annotations

import re
import socket
import struct
import threading
import time
from collections import deque
from typing import Deque, List, Optional, Tuple
from xml.sax.saxutils import escape

_HEAD_END = b"\r\n\r\n"
_CONTENT_LENGTH = re.compile(rb"^content-length:\s*(\d+)\s*$", re.I | re.M)
_REASONS = {405: "Method Not Allowed", 500: "Internal Server Error", 503: "Service Unavailable"}
# MethodNotAllowed 405: AWS S3 API reference, "Error responses" (List of error codes).
_CODES = {405: ("MethodNotAllowed", "The specified method is not allowed against this resource."),
          500: ("InternalError", "We encountered an internal error. Please try again."),
          503: ("SlowDown", "Please reduce your request rate.")}


def _reset(sock: Optional[socket.socket]) -> None:
    """Close with SO_LINGER 0 so the peer gets a TCP RST, not a clean FIN."""
    if sock is None:
        return
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


def _close(sock: Optional[socket.socket]) -> None:
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass


class _Closed(Exception):
    """The connection ended (peer closed, reset, or the proxy is stopping)."""


class FaultProxy:
    """A threaded TCP proxy with request-level fault injection. Use as a context manager."""

    def __init__(self, target: str, *, max_connections: int = 64, lifetime: float = 600.0) -> None:
        host_port = target.split("://", 1)[-1].rstrip("/")
        host, _, port = host_port.rpartition(":")
        self.target: Tuple[str, int] = (host, int(port))
        self.max_connections = max_connections
        self.lifetime = lifetime
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._slots = threading.BoundedSemaphore(max_connections)
        self._socks: List[socket.socket] = []
        self._threads: List[threading.Thread] = []
        self._resets: Deque[int] = deque()
        self._cuts: Deque[int] = deque()
        self._failures: Deque[int] = deque()
        self._corrupts: Deque[str] = deque()
        self._resp_corrupts: Deque[str] = deque()
        self._resp_corrupt_always: Optional[str] = None
        self._fail_forever: Optional[int] = None
        self._matching: List[Tuple[re.Pattern[str], int]] = []
        self._stall_until = 0.0
        self._refuse = False
        self.requests: List[str] = []
        """``"METHOD path -> action"`` for every request seen, in order."""
        self.heads: Deque[bytes] = deque(maxlen=1000)
        """The raw head (request line and headers) of the last 1000 requests seen."""
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self._started = time.monotonic()
        self._spawn(self._accept_loop)

    # -- control ---------------------------------------------------------------------------------------
    def reset_after(self, nbytes: int, times: int = 1) -> None:
        """Reset the connection after ``nbytes`` of the body of each of the next ``times`` requests with a body."""
        with self._lock:
            self._resets.extend([nbytes] * times)

    def cut_response_after(self, nbytes: int, times: int = 1) -> None:
        """Reset the connection after ``nbytes`` of the response to each of the next ``times`` forwarded requests."""
        with self._lock:
            self._cuts.extend([nbytes] * times)

    def corrupt_next(self, match: str = "", times: int = 1) -> None:
        """Flip the first body byte of each of the next ``times`` requests whose request line contains ``match``."""
        with self._lock:
            self._corrupts.extend([match] * times)

    def corrupt_response(self, match: str = "", times: Optional[int] = 1) -> None:
        """Flip the first body byte of the answers to the next ``times`` forwarded requests whose head
        contains ``match``; None = every one until :meth:`clear`."""
        with self._lock:
            if times is None:
                self._resp_corrupt_always = match
            else:
                self._resp_corrupts.extend([match] * times)

    def fail_next(self, count: Optional[int] = 1, status: int = 503) -> None:
        """Answer the next ``count`` requests with ``status`` (503 SlowDown or 500 InternalError); None = always."""
        if status not in _CODES:
            raise ValueError(f"status must be one of {sorted(_CODES)}")
        with self._lock:
            if count is None:
                self._fail_forever = status
            else:
                self._failures.extend([status] * count)

    def answer_matching(self, pattern: str, status: int) -> None:
        """Answer every request whose request line matches ``pattern`` with ``status`` (until :meth:`clear`)."""
        if status not in _CODES:
            raise ValueError(f"status must be one of {sorted(_CODES)}")
        with self._lock:
            self._matching.append((re.compile(pattern), status))

    def stall(self, seconds: float) -> None:
        """Stop forwarding bytes (both ways, all connections) for ``seconds`` from now."""
        with self._lock:
            self._stall_until = time.monotonic() + seconds

    def refuse(self, on: bool = True) -> None:
        """While on, reset every new connection at once and drop the open ones."""
        with self._lock:
            self._refuse = on
            socks = list(self._socks) if on else []
        for sock in socks:
            _reset(sock)

    def clear(self) -> None:
        """Remove every pending fault."""
        with self._lock:
            self._resets.clear()
            self._cuts.clear()
            self._failures.clear()
            self._corrupts.clear()
            self._resp_corrupts.clear()
            self._resp_corrupt_always = None
            self._fail_forever = None
            self._matching.clear()
            self._stall_until = 0.0
            self._refuse = False

    def count(self, action: str) -> int:
        """How many requests got ``action`` ("forward", "reset", "fail 503", "fail 500")."""
        with self._lock:
            return sum(1 for line in self.requests if line.endswith("-> " + action))

    def stop(self) -> None:
        self._stop.set()
        _close(self._listener)
        with self._lock:
            socks = list(self._socks)
        for sock in socks:
            _close(sock)
        for thread in list(self._threads):
            if thread is not threading.current_thread():
                thread.join(timeout=2)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- machinery -------------------------------------------------------------------------------------
    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
            self._threads.append(thread)
        thread.start()

    def _alive(self) -> bool:
        if time.monotonic() - self._started > self.lifetime:
            self._stop.set()
        return not self._stop.is_set()

    def _accept_loop(self) -> None:
        while self._alive():
            try:
                client, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            with self._lock:
                refuse = self._refuse
            if refuse or not self._slots.acquire(blocking=False):
                _reset(client)
                continue
            self._spawn(self._serve, client)
        self._stop.set()

    def _track(self, sock: socket.socket) -> None:
        sock.settimeout(0.2)
        with self._lock:
            self._socks.append(sock)

    def _untrack(self, *socks: Optional[socket.socket]) -> None:
        with self._lock:
            for sock in socks:
                if sock is not None and sock in self._socks:
                    self._socks.remove(sock)

    def _wait_stall(self) -> None:
        while self._alive():
            with self._lock:
                left = self._stall_until - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, 0.05))
        raise _Closed()

    def _recv(self, sock: socket.socket, n: int = 65536) -> bytes:
        while self._alive():
            try:
                data = sock.recv(n)
            except socket.timeout:
                continue
            except OSError:
                raise _Closed() from None
            if not data:
                raise _Closed()
            return data
        raise _Closed()

    def _send(self, sock: socket.socket, data: bytes) -> None:
        view = memoryview(data)
        while view and self._alive():
            self._wait_stall()
            try:
                sent = sock.send(view[:65536])
            except socket.timeout:
                continue
            except OSError:
                raise _Closed() from None
            view = view[sent:]
        if view:
            raise _Closed()

    def _next_action(self, has_body: bool, first: str = "") -> Tuple[str, int]:
        with self._lock:
            if has_body and self._corrupts and self._corrupts[0] in first:
                self._corrupts.popleft()
                return "corrupt", 0
            for pattern, status in self._matching:
                if pattern.search(first):
                    return "fail", status
            if self._fail_forever is not None:
                return "fail", self._fail_forever
            if self._failures:
                return "fail", self._failures.popleft()
            if has_body and self._resets:
                return "reset", self._resets.popleft()
        return "forward", 0

    def _serve(self, client: socket.socket) -> None:
        upstream: Optional[socket.socket] = None
        cut: List[Optional[int]] = [None]  # response budget shared with this connection's pipe
        flip: List[Optional[bytes]] = [None]  # not None: corrupt the next answer's body (bytes of its head so far)
        self._track(client)
        buf = b""
        try:
            while self._alive():
                while _HEAD_END not in buf:
                    if len(buf) > 256 * 1024:
                        raise _Closed()
                    buf += self._recv(client)
                head, buf = buf.split(_HEAD_END, 1)
                head += _HEAD_END
                m = _CONTENT_LENGTH.search(head)
                length = int(m.group(1)) if m else 0
                first = head.split(b"\r\n", 1)[0].decode("latin-1")
                method = first.split(" ", 1)[0]
                action, arg = self._next_action(length > 0, first)
                note = f"{action} {arg}" if action == "fail" else action
                with self._lock:
                    self.heads.append(head)
                    self.requests.append(f"{first.rsplit(' ', 1)[0]} -> {note}")
                if action == "fail":
                    left = length
                    while left > 0:  # drain the body, then answer without forwarding
                        if not buf:
                            buf = self._recv(client)
                        take = min(left, len(buf))
                        buf, left = buf[take:], left - take
                    self._send(client, self._error_response(arg, method, first))
                    return
                if upstream is None:
                    upstream = socket.create_connection(self.target, timeout=5)
                    self._track(upstream)
                    self._spawn(self._pipe, upstream, client, cut, flip)
                with self._lock:
                    if action in ("forward", "corrupt") and self._cuts:
                        cut[0] = self._cuts.popleft()
                        self.requests[-1] = self.requests[-1].rsplit(" -> ", 1)[0] + " -> cut"
                    text = head.decode("latin-1")
                    always = self._resp_corrupt_always
                    if action == "forward" and ((always is not None and always in text) or
                                                (self._resp_corrupts and self._resp_corrupts[0] in text)):
                        if always is None or always not in text:
                            self._resp_corrupts.popleft()
                        flip[0] = b""
                        self.requests[-1] = self.requests[-1].rsplit(" -> ", 1)[0] + " -> corrupt-response"
                self._wait_stall()
                self._send(upstream, head)
                left = length
                budget = arg if action == "reset" else None
                while left > 0:
                    if not buf:
                        buf = self._recv(client)
                    take = min(left, len(buf))
                    if budget is not None and take >= budget:
                        self._send(upstream, buf[:budget])
                        _reset(client)
                        _reset(upstream)
                        return
                    chunk = buf[:take]
                    if action == "corrupt" and left == length and chunk:
                        chunk = bytes([chunk[0] ^ 0xFF]) + chunk[1:]
                    self._send(upstream, chunk)
                    if budget is not None:
                        budget -= take
                    buf, left = buf[take:], left - take
        except (_Closed, OSError):
            pass
        finally:
            _close(client)
            _close(upstream)
            self._untrack(client, upstream)
            self._slots.release()

    @staticmethod
    def _flip_body(data: bytes, flip: List[Optional[bytes]]) -> bytes:
        """Flip the first body byte of the answer that ``flip`` waits for, once its head has passed."""
        seen = flip[0]
        if seen is None:
            return data
        if seen == _HEAD_END:  # the head ended with the previous chunk
            flip[0] = None
            return bytes([data[0] ^ 0xFF]) + data[1:] if data else data
        joined = seen + data
        end = joined.find(_HEAD_END)
        if end < 0:
            flip[0] = joined[-3:]
            return data
        pos = end + len(_HEAD_END) - len(seen)
        if pos >= len(data):
            flip[0] = _HEAD_END
            return data
        flip[0] = None
        return data[:pos] + bytes([data[pos] ^ 0xFF]) + data[pos + 1:]

    def _pipe(self, src: socket.socket, dst: socket.socket, cut: List[Optional[int]],
              flip: List[Optional[bytes]]) -> None:
        try:
            while self._alive():
                data = self._recv(src)
                self._wait_stall()
                data = self._flip_body(data, flip)
                budget = cut[0]
                if budget is not None:
                    if len(data) >= budget:
                        self._send(dst, data[:budget])
                        _reset(dst)
                        _reset(src)
                        return
                    cut[0] = budget - len(data)
                self._send(dst, data)
        except (_Closed, OSError):
            pass
        finally:
            _close(dst)
            _close(src)

    @staticmethod
    def _error_response(status: int, method: str, request_line: str) -> bytes:
        code, message = _CODES[status]
        resource = request_line.split(" ")[1] if " " in request_line else "/"
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{code}</Code><Message>{message}</Message>"
            f"<Resource>{escape(resource)}</Resource><RequestId>faultproxy</RequestId></Error>"
        ).encode()
        head = (
            f"HTTP/1.1 {status} {_REASONS[status]}\r\nContent-Type: application/xml\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode("latin-1")
        return head if method == "HEAD" else head + body
