"""A real local HTTP server for venue tests, plus fixture loading.

``VenueServer`` is a ``ThreadingHTTPServer`` on 127.0.0.1:0 in a thread. Routes are keyed by
``(METHOD, path)`` (query string ignored) and hold a script of replies consumed in order (the last
one repeats), so a test can say "429 with Retry-After, then 200". A reply can also be a function
of the request, for stateful fakes (orders). Every request is recorded.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).resolve().parents[1] / "venues" / "fixtures"
T0 = 1767225600  # 2026-01-01T00:00:00Z, the fixtures' time origin


def fixture(name: str) -> Any:
    """The ``body`` of ``fixtures/NAME.json`` (every file cites its doc page in ``_source``)."""
    return json.loads((FIXTURES / f"{name}.json").read_text())["body"]


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-encoded unless bytes
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


Script = list[Reply | Callable[[Request], Reply]]


class VenueServer:
    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Script] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                req = Request(
                    self.command,
                    parts.path,
                    {k: v[-1] for k, v in parse_qs(parts.query).items()},
                    {k: v for k, v in self.headers.items()},
                    self.rfile.read(length) if length else b"",
                )
                reply = server._reply(req)
                if reply.delay:
                    time.sleep(reply.delay)
                body = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = do_DELETE = _handle

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, method: str, path: str, *replies: Reply | Callable[[Request], Reply]) -> None:
        self.routes[(method, path)] = list(replies)

    def json(self, method: str, path: str, body: Any, status: int = 200) -> None:
        self.route(method, path, Reply(status, body))

    def _reply(self, req: Request) -> Reply:
        with self._lock:
            self.requests.append(req)
            script = self.routes.get((req.method, req.path))
            if not script:
                return Reply(404, {"error": f"no route {req.method} {req.path}"})
            step = script.pop(0) if len(script) > 1 else script[0]
        return step(req) if callable(step) else step

    def hits(self, method: str, path: str) -> int:
        return sum(1 for r in self.requests if r.method == method and r.path == path)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Sleeps(list):
    """An injectable ``sleep`` that records the delays instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(round(seconds, 3))


def same_fill(real: Any, sim: Any) -> None:
    """Assert a broker's real :class:`OrderResult` and its hypothetical ``SimFill`` for the same order agree:
    both rejected, or the same contracts, average price, cost and fee."""
    if real.status == "rejected":
        assert sim.status == "rejected", sim
        return
    assert (real.status, real.shares, real.price, real.cost, real.fee) == (
        sim.status, sim.contracts, sim.price, sim.cost, sim.fee)
