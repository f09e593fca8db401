"""The same sandbox for a host that is not root: run a worker as ``nobody`` and attack from it.

Needs root (to switch to nobody with ``setpriv``) and a system interpreter of the same minor
version that nobody can read (the test's own interpreter may live under /root).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.hostile import needs_strict

ROOT = Path(__file__).resolve().parents[3]
SYSTEM_PYTHON = f"/usr/bin/python{sys.version_info[0]}.{sys.version_info[1]}"
SITE = next(p for p in sys.path if p.endswith("site-packages"))

SCRIPT = '''
import os, sys
sys.path[:0] = [{core!r}, {root!r}, {site!r}]  # the checkout's tests/ before any 'tests' a wheel installed
from pathlib import Path
from liveswap.sandbox.runner import SandboxRunner
from tests.sandbox.conftest import install_strategy, nine_candles
root = Path({work!r})
body = """
import os, socket, signal
class Strategy:
    @hookimpl
    def on_candle(self, candle, ctx):
        out = []
        for name, fn in (("stop_host", lambda: os.kill({host}, signal.SIGSTOP)), ("socket", lambda: socket.socket()),
                         ("read_key", lambda: open({key!r}).read()), ("write", lambda: open({key!r} + ".x", "w"))):
            try:
                fn()
                out.append(name + ":succeeded")
            except Exception as exc:
                out.append(name + ":" + type(exc).__name__)
        return [Intent(candle.market, "up", 1.0, tag=",".join(out))]
"""
runner = SandboxRunner("u", "1.0.0", install_strategy(root, "u", "1.0.0", body), scratch_root=root / "s").start()
print("UID", os.getuid())
print("LAYERS", ",".join(runner.layers))
print("TAG", runner.run_batch(nine_candles()).outputs[0][0].tag)
runner.close()
'''


@pytest.fixture
def nobody_dir() -> Iterator[Path]:
    """A directory nobody can reach (pytest's own tmp dirs are 0700 under root)."""
    work = Path(tempfile.mkdtemp(prefix="liveswap-nobody-"))
    os.chmod(work, 0o777)
    yield work
    shutil.rmtree(work, ignore_errors=True)


@needs_strict
@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root and setpriv to become nobody")
@pytest.mark.skipif(not os.path.exists(SYSTEM_PYTHON), reason=f"no {SYSTEM_PYTHON} that nobody can run")
def test_a_host_running_as_nobody_gets_the_same_sandbox(nobody_dir: Path) -> None:
    work = nobody_dir
    key = work / "key"
    key.write_text("secret")
    os.chmod(key, 0o644)  # readable by nobody outside the sandbox: only the sandbox stops it
    script = work / "run.py"
    script.write_text(SCRIPT.format(core=str(ROOT / "core"), site=SITE, root=str(ROOT), work=str(work),
                                    host=os.getpid(), key=str(key)))
    done = subprocess.run(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "env", "-i",
                           "PATH=/usr/bin:/bin", f"HOME={work}", SYSTEM_PYTHON, str(script)],
                          capture_output=True, text=True, timeout=120, cwd=work)
    if "No module named" in done.stderr or "cannot open" in done.stderr:
        pytest.skip(f"nobody cannot import the checkout: {done.stderr.strip().splitlines()[-1][:150]}")
    assert done.returncode == 0, done.stderr[-2000:]
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines() if " " in line)
    assert lines["UID"] == "65534"
    assert "landlock-scope(signal, abstract unix)" in lines["LAYERS"] and "seccomp" in lines["LAYERS"]
    assert lines["TAG"].startswith("stop_host:ProcessLookupError,socket:PermissionError,read_key:FileNotFoundError,")
    assert lines["TAG"].rsplit(":", 1)[1] in ("FileNotFoundError", "PermissionError")  # no write outside scratch
