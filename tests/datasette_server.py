"""A Datasette server for the tests and the load benchmark, started as the README says
(``kanmin serve --port N``, on 127.0.0.1) by its own PID and stopped by it, and a JSON client on
urllib3. Nothing here skips: a server that does not start or answer is an error."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import urllib3

from support import free_port, stop_process

START_TIMEOUT_S = 60.0
DB = "kuni-shisaku-ichiran-todofuken-2019"


class ServerError(RuntimeError):
    """The server could not be started or reached."""


@dataclass
class DatasetteServer:
    process: subprocess.Popen
    base: str  # http://127.0.0.1:PORT
    log: Path
    started_in_s: float = 0.0

    @property
    def pid(self) -> int:
        return self.process.pid

    def url(self, path: str, **params: str) -> str:
        return self.base + urllib.parse.quote(path) + ("?" + urllib.parse.urlencode(params) if params else "")

    def get(self, path: str, timeout: float = 30, **params: str) -> tuple[int, dict]:
        """GET a JSON page: (HTTP status, the decoded JSON)."""
        http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=5, read=timeout))
        resp = http.request("GET", self.url(path, **params))
        return resp.status, json.loads(resp.data.decode("utf-8"))

    def stop(self) -> None:
        """Stop the server by its PID: SIGTERM, then SIGKILL after 10 s."""
        stop_process(self.process)


def start_server(package_dir: Path, log: Path) -> DatasetteServer:
    """``kanmin serve --package DIR --port N`` on a free port, ready when its /-/metadata.json
    answers with our title (so a stranger on the port cannot pass for it)."""
    began = time.monotonic()
    port = free_port()
    kanmin = Path(sys.executable).parent / "kanmin"
    with log.open("wb") as out:
        process = subprocess.Popen([str(kanmin), "serve", "--package", str(package_dir), "--port", str(port)],
                                   stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    server = DatasetteServer(process, f"http://127.0.0.1:{port}", log)
    title = json.loads((package_dir / "datapackage.json").read_text(encoding="utf-8"))["title"]
    last: object = "no answer yet"
    while time.monotonic() < began + START_TIMEOUT_S:
        if process.poll() is not None:
            raise ServerError(f"kanmin serve (PID {server.pid}) exited with {process.returncode}:\n"
                              f"{log.read_text(encoding='utf-8', errors='replace')}")
        try:
            status, body = server.get("/-/metadata.json", timeout=2)
            if status == 200 and body.get("title") == title:
                server.started_in_s = time.monotonic() - began
                return server
            last = (status, body.get("title"))
        except (urllib3.exceptions.HTTPError, ValueError) as exc:
            last = exc
        time.sleep(0.1)
    server.stop()
    raise ServerError(f"kanmin serve did not answer in {START_TIMEOUT_S} s: {last}")
