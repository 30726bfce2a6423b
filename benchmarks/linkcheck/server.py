"""Slow loopback web server for the link-checker benchmark (bench.py starts it in its own process).

Input (argv): latency in ms and host addresses (127.0.0.2 …). Output: prints one JSON line
{"ports": {host: port}} once listening, then serves until stdin closes. Every request is
answered 200 after the latency; per-host peak concurrency and request counts are served at
`GET /__stats` (which `GET /__reset` clears), so the benchmark can verify each tool's
per-host limit. Why a separate process: the server must not compete with the checker under
test for the GIL.
"""
from __future__ import annotations

import asyncio
import json
import os
import sys
from collections import Counter


async def main(latency: float, hosts: list[str]) -> None:
    inflight: Counter = Counter()
    peak: Counter = Counter()
    count: Counter = Counter()

    def make_handler(host: str):
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                while True:
                    head = await reader.readuntil(b"\r\n\r\n")
                    request_line, *header_lines = head.decode("latin-1").split("\r\n")
                    method, path, _ = request_line.split(" ", 2)
                    headers = {k.strip().lower(): v.strip() for k, _, v in
                               (h.partition(":") for h in header_lines if h)}
                    if path.startswith("/__"):
                        if path == "/__reset":
                            peak.clear()
                            count.clear()
                        body = json.dumps({"peak": peak, "requests": count}).encode()
                    else:
                        count[host] += 1
                        inflight[host] += 1
                        peak[host] = max(peak[host], inflight[host])
                        await asyncio.sleep(latency)
                        inflight[host] -= 1
                        body = b"<html><body>ok</body></html>"
                    close = headers.get("connection", "").lower() == "close"
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: "
                                 + str(len(body)).encode() + b"\r\n"
                                 + (b"Connection: close\r\n" if close else b"") + b"\r\n"
                                 + (b"" if method == "HEAD" else body))
                    await writer.drain()
                    if close:
                        break
            except (asyncio.IncompleteReadError, ConnectionError, ValueError):
                pass  # the client hung up or sent something this toy server does not speak
            finally:
                writer.close()
        return handle

    ports = {}
    servers = []
    for host in hosts:
        server = await asyncio.start_server(make_handler(host), host, 0, backlog=1024)
        ports[host] = server.sockets[0].getsockname()[1]
        servers.append(server)
    print(json.dumps({"ports": ports}), flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # serve until the parent closes stdin
    os._exit(0)  # nothing to clean up; skip cancelling hundreds of idle keep-alive tasks


if __name__ == "__main__":
    asyncio.run(main(float(sys.argv[1]) / 1000, sys.argv[2:]))
