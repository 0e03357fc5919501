"""A loopback HTTP target whose latency the test controls (arrival-rate tests and bench/arrival_vs_k6.py).

    python tests/integration/arrival_target.py PORT

* ``GET|POST /work/<anything>``: answers 200 after the current delay and
  records (arrival unix time, path) of the request;
* ``POST /control?delay_ms=50``: sets the delay;
* ``GET /arrivals?prefix=/work/a``: JSON list of arrival times of matching paths;
* ``GET /health``: 200.

An asyncio Protocol (on uvloop when installed) with a minimal HTTP/1.1
keep-alive parser: one core serves several thousand requests a second, so the
generator, not the target, is what a benchmark measures.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from urllib.parse import parse_qs, urlsplit

DELAY_S = 0.0
ARRIVALS: list[tuple[float, str]] = []


def _response(status: str, body: bytes, ctype: str = "text/plain") -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {len(body)}\r\n"
            f"Connection: keep-alive\r\n\r\n").encode() + body


OK = _response("200 OK", b"ok")


class _Http(asyncio.Protocol):
    """HTTP/1.1 keep-alive, requests answered in order (pipelining is not used by the clients here)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.buf = b""
        self.need = 0  # body bytes still to skip
        self.tail: asyncio.Future[None] | None = None  # the previous response, to keep order

    def data_received(self, data: bytes) -> None:
        self.buf += data
        while True:
            if self.need:
                take = min(self.need, len(self.buf))
                self.buf, self.need = self.buf[take:], self.need - take
                if self.need:
                    return
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head, self.buf = self.buf[:end].decode("latin-1"), self.buf[end + 4:]
            lines = head.split("\r\n")
            for line in lines[1:]:
                if line[:15].lower() == "content-length:":
                    self.need = int(line[15:].strip())
            self._answer(lines[0].split(" ")[1], time.time())

    def _answer(self, target: str, arrived: float) -> None:
        global DELAY_S
        url = urlsplit(target)
        delay = 0.0
        if url.path.startswith("/work"):
            ARRIVALS.append((arrived, url.path))
            out, delay = OK, DELAY_S
        elif url.path == "/control":
            DELAY_S = float(parse_qs(url.query).get("delay_ms", ["0"])[0]) / 1000.0
            out = OK
        elif url.path == "/arrivals":
            prefix = parse_qs(url.query).get("prefix", ["/work"])[0]
            out = _response("200 OK", json.dumps([t for t, p in ARRIVALS if p.startswith(prefix)]).encode(),
                            "application/json")
        elif url.path == "/health":
            out = OK
        else:
            out = _response("404 Not Found", b"no")
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        prev, self.tail = self.tail, done

        def send() -> None:
            if prev is not None and not prev.done():
                prev.add_done_callback(lambda _: send())
                return
            if not self.transport.is_closing():
                self.transport.write(out)
            done.set_result(None)

        if delay > 0:
            loop.call_at(loop.time() + delay, send)
        else:
            send()


async def _main(port: int) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_Http, "127.0.0.1", port, backlog=2048)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        import uvloop  # ships with uvicorn[standard]: about twice the requests per CPU-second

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(_main(int(sys.argv[1])))
