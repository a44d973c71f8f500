"""A loopback TCP proxy that delays each direction by a fixed time: a link with real round-trip time.

    python bench/latency_proxy.py TARGET_PORT [--delay-ms 10] [--port 0]

Listens on 127.0.0.1 only, forwards to 127.0.0.1:TARGET_PORT, and holds every chunk it reads for
``--delay-ms`` before writing it on (each direction, so 10 ms gives a 20 ms round trip). Why: netem is
not available in this kernel, and on bare loopback a request costs only CPU, so concurrency and
pipelining (what a real farm link rewards) never show. Bandwidth is not limited; order is kept.
Prints ``port N`` once listening; runs until killed.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Optional, Tuple

CHUNK = 256 * 1024


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    """Read as data comes; deliver each chunk ``delay`` after it arrived (a queue keeps the order)."""
    queue: asyncio.Queue[Tuple[float, Optional[bytes]]] = asyncio.Queue()

    async def deliver() -> None:
        while True:
            due, data = await queue.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:
                break
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()

    task = asyncio.ensure_future(deliver())
    try:
        while True:
            data = await reader.read(CHUNK)
            await queue.put((time.monotonic() + delay, data or None))
            if not data:
                break
        await task
    except (ConnectionError, asyncio.CancelledError):
        task.cancel()
    finally:
        writer.close()


async def serve(target_port: int, delay: float, port: int = 0) -> None:
    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", target_port)
        except OSError:
            client_w.close()
            return
        await asyncio.gather(_pump(client_r, server_w, delay), _pump(server_r, client_w, delay),
                             return_exceptions=True)

    server = await asyncio.start_server(handle, "127.0.0.1", port)
    print(f"port {server.sockets[0].getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("target_port", type=int)
    p.add_argument("--delay-ms", type=float, default=10.0, help="delay of each direction (default 10 ms)")
    p.add_argument("--port", type=int, default=0, help="port to listen on (default: any free one)")
    a = p.parse_args()
    asyncio.run(serve(a.target_port, a.delay_ms / 1000.0, a.port))


if __name__ == "__main__":
    main()
