"""Each hand-held layer on its own, in a throwaway child process: Landlock and the seccomp filter."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from liveswap.sandbox import landlock, seccomp

ROOT = Path(__file__).resolve().parents[2] / "core"


def child(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(ROOT)!r})\n{code}"],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(landlock.abi_version() < 6, reason=f"Landlock ABI {landlock.abi_version()} < 6 on this kernel")
def test_landlock_fences_files_tcp_and_signals(tmp_path: Path) -> None:
    allowed, secret = tmp_path / "allowed", tmp_path / "secret.txt"
    allowed.mkdir()
    secret.write_text("s3cret")
    done = child(f"""
import os, signal, socket
from liveswap.sandbox import landlock, seccomp
assert not seccomp.no_new_privs()
enforced, problems = landlock.restrict([sys.prefix, sys.base_prefix, "/usr", "/lib", "/lib64"], [{str(allowed)!r}])
assert not problems, problems
open({str(allowed / "ok")!r}, "w").write("fine")
for what, fn in (("read", lambda: open({str(secret)!r}).read()), ("write", lambda: open({str(tmp_path / "x")!r}, "w")),
                 ("tcp", lambda: socket.create_connection(("127.0.0.1", 9), timeout=1)),
                 ("signal", lambda: os.kill(os.getppid(), 0))):
    try:
        fn()
        print(what, "succeeded")
    except OSError as exc:
        print(what, type(exc).__name__)
""")
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:4] == ["read PermissionError", "write PermissionError", "tcp PermissionError",
                                           "signal PermissionError"]
    assert (allowed / "ok").read_text() == "fine"


@pytest.mark.skipif(seccomp.worker_filter()[0] is None, reason=seccomp.worker_filter()[1] or "seccomp available")
def test_the_seccomp_filter_refuses_every_socket_and_new_namespaces() -> None:
    bpf, _ = seccomp.worker_filter()
    done = child(f"""
import ctypes, os, socket
from liveswap.sandbox import seccomp
assert not seccomp.no_new_privs()
assert not seccomp.apply({bpf!r})
libc = ctypes.CDLL(None, use_errno=True)

def unshare():
    if libc.unshare(0x10000000) != 0:
        raise PermissionError(ctypes.get_errno(), "unshare")

for what, fn in (("unix", lambda: socket.socket(socket.AF_UNIX)),
                 ("udp", lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM)),
                 ("pair", socket.socketpair), ("unshare", unshare),
                 ("renice_user", lambda: os.setpriority(os.PRIO_USER, 0, 5))):
    try:
        fn()
        print(what, "succeeded")
    except OSError as exc:
        print(what, type(exc).__name__)
""")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:5] == ["unix PermissionError", "udp PermissionError", "pair PermissionError",
                         "unshare PermissionError", "renice_user PermissionError"]
