"""Helpers for the web tests: a real uvicorn server in a thread on loopback, and a small HTTP client.

The server binds 127.0.0.1 on a free port and stops by itself when the ``with`` block ends. The
client speaks plain ``http.client`` so that tests can send any Host, Origin or header they like.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import secrets
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
AXE = Path(__file__).with_name("axe.min.js")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_server(daten: Path, *, db: str | None = None, beispiel: bool = False) -> Iterator[str]:
    """Run the web application on 127.0.0.1 in a thread; yield its base URL; stop it afterwards."""
    import uvicorn

    from kimrecon.web.server import create_app

    app = create_app(daten=daten, db=db, beispiel=beispiel)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):  # at most 10 s
        if server.started:
            break
        time.sleep(0.05)
    assert server.started, "web server did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)


def multipart(fields: dict[str, str], files: Sequence[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """Encode form fields and (field, file name, content) triples as multipart/form-data."""
    boundary = "----kimrecon" + secrets.token_hex(8)
    out = bytearray()
    for name, value in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    for field, filename, content in files:
        out += (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        out += content + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


def call(
    base: str,
    method: str,
    path: str,
    *,
    fields: dict[str, str] | None = None,
    files: Sequence[tuple[str, str, bytes]] = (),
    json_body: Any = None,
    headers: dict[str, str] | None = None,
    api: bool = True,
) -> Reply:
    """One HTTP request; API writes carry ``X-Kimrecon-API: 1`` unless ``api`` is False."""
    host_port = base.split("://", 1)[1]
    conn = http.client.HTTPConnection(host_port, timeout=60)
    send_headers = {"Host": host_port}
    body: bytes | None = None
    if json_body is not None:
        body = json.dumps(json_body).encode()
        send_headers["Content-Type"] = "application/json"
    elif fields is not None or files:
        body, ctype = multipart(fields or {}, files)
        send_headers["Content-Type"] = ctype
    if method != "GET":
        send_headers["Content-Length"] = str(len(body or b""))
        if api:
            send_headers["X-Kimrecon-API"] = "1"
    send_headers.update(headers or {})
    try:
        conn.request(method, path, body=body, headers=send_headers)
        resp = conn.getresponse()
        return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
    finally:
        conn.close()


def example_files() -> list[tuple[str, str, bytes]]:
    """The bundled example's workbooks as upload triples for the field ``dateien``."""
    from kimrecon.resources import example_case

    return [("dateien", p.name, p.read_bytes()) for p in sorted(example_case().glob("*.xlsx"))]
