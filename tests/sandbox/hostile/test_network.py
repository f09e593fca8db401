"""Hostile strategies against the network: TCP, UDP, Unix (path and abstract) sockets, socketpair."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.hostile import failed, hostile_wheel, needs_strict

pytestmark = needs_strict


@pytest.fixture
def listeners(tmp_path: Path) -> Iterator[dict[str, object]]:
    """A TCP and a UDP server on 127.0.0.1, a Unix socket on a path and an abstract one; counts contacts."""
    contacts: list[str] = []
    tcp = socket.create_server(("127.0.0.1", 0))
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    path = str(tmp_path / "host.sock")
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.bind(path)
    unix.listen()
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    abstract.bind(f"\0liveswap-hostile-{id(contacts)}")
    abstract.listen()
    stop = threading.Event()

    def watch(sock: socket.socket, kind: str) -> None:
        sock.settimeout(0.1)
        while not stop.is_set():
            try:
                if kind == "udp":
                    sock.recvfrom(100)
                else:
                    sock.accept()[0].close()
                contacts.append(kind)
            except OSError:
                continue

    threads = [threading.Thread(target=watch, args=(s, k), daemon=True)
               for s, k in ((tcp, "tcp"), (udp, "udp"), (unix, "unix"), (abstract, "abstract"))]
    for t in threads:
        t.start()
    yield {"tcp": tcp.getsockname()[1], "udp": udp.getsockname()[1], "unix": path,
           "abstract": abstract.getsockname(), "contacts": contacts}
    stop.set()
    for t in threads:
        t.join()
    for s in (tcp, udp, unix, abstract):
        s.close()


def test_opens_no_socket_of_any_family(home: Path, host, listeners: dict[str, object]) -> None:
    target = {k: v.decode("latin-1") if isinstance(v, bytes) else v for k, v in listeners.items() if k != "contacts"}
    hostile_wheel(home / "registry", '''
def attack(ctx):
    attempt("tcp", lambda: socket.create_connection(("127.0.0.1", T["tcp"]), timeout=2))
    attempt("udp", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"x", ("127.0.0.1", T["udp"])))
    def unix(address):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(address)
    attempt("unix", lambda: unix(T["unix"]))
    attempt("abstract", lambda: unix(T["abstract"].encode("latin-1")))
    attempt("socketpair", lambda: socket.socketpair())
    attempt("netlink", lambda: socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0))
    attempt("tcp6", lambda: socket.create_connection(("::1", T["tcp"]), timeout=2))
''', target)
    h = host()
    h.start()
    results = h.attack()
    failed(results, "tcp", "udp", "unix", "abstract", "socketpair", "netlink", "tcp6")
    assert listeners["contacts"] == []
    h.assert_keeps_trading_with_money_intact()
