"""A loopback HTTP target whose latency the test controls (arrival-rate tests and bench/arrival_vs_k6.py).

    python tests/integration/arrival_target.py PORT

* ``GET|POST /work/<anything>``: answers 200 after the current delay and
  records (arrival unix time, path) of the request;
* ``POST /control?delay_ms=50``: sets the delay;
* ``GET /arrivals?prefix=/work/a``: JSON list of arrival times of matching paths;
* ``GET /health``: 200.

asyncio with a hand-rolled HTTP/1.1 keep-alive parser: one process serves
thousands of requests a second, so the generator, not the target, is what a
benchmark measures.
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


async def _handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    global DELAY_S
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            arrived = time.time()
            lines = head.decode("latin-1").split("\r\n")
            method, target, _ = lines[0].split(" ", 2)
            length = 0
            for line in lines[1:]:
                if line[:15].lower() == "content-length:":
                    length = int(line[15:].strip())
            if length:
                await reader.readexactly(length)
            url = urlsplit(target)
            if url.path.startswith("/work"):
                ARRIVALS.append((arrived, url.path))
                if DELAY_S > 0:
                    await asyncio.sleep(DELAY_S)
                out = _response("200 OK", b"ok")
            elif url.path == "/control":
                DELAY_S = float(parse_qs(url.query).get("delay_ms", ["0"])[0]) / 1000.0
                out = _response("200 OK", b"ok")
            elif url.path == "/arrivals":
                prefix = parse_qs(url.query).get("prefix", ["/work"])[0]
                body = json.dumps([t for t, p in ARRIVALS if p.startswith(prefix)]).encode()
                out = _response("200 OK", body, "application/json")
            elif url.path == "/health":
                out = _response("200 OK", b"ok")
            else:
                out = _response("404 Not Found", b"no")
            writer.write(out)
            await writer.drain()
            del method
    except (asyncio.IncompleteReadError, ConnectionError, ValueError):
        pass
    finally:
        writer.close()


async def _main(port: int) -> None:
    server = await asyncio.start_server(_handle, "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(_main(int(sys.argv[1])))
