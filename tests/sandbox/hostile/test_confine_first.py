"""Confine first, then import: a version's modules never run before the sandbox is in force, can
never shadow the standard library, and no worker process keeps a capability (issue 23).

Judged from outside: a marker file outside the home that the shadowing modules would write, and
``/proc/PID/status`` of every process of the worker's tree read by the test.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from liveswap.sandbox.limits import SandboxLimits
from liveswap.sandbox.runner import SandboxRunner
from liveswap.sandbox.treewatch import tree

from tests.conftest import BIN
from tests.sandbox.conftest import install_strategy, nine_candles
from tests.support.hostile import REFUSED
from tests.support.wheelkit import make_wheel

SHADOW = '''
import os
try:
    with open({marker!r}, "a") as f:
        f.write(__name__ + " ran as uid " + str(os.getuid()) + "\\n")
except OSError:
    pass
'''
SHADOWED = ("tempfile", "traceback", "inspect", "email", "zipfile")


def _status(pid: int) -> dict[str, str]:
    with open(f"/proc/{pid}/status") as f:
        return {k: v.strip() for k, _, v in (line.partition(":") for line in f)}


def _is_python(pid: int) -> bool:
    return b"python" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[0]


def _shadowing_version(root: Path, marker: Path) -> Path:
    target = install_strategy(root, "shadow", "1.0.0", """
import ctypes, os, platform

def _by_handle():  # open_by_handle_at needs CAP_DAC_READ_SEARCH before it looks at the handle at all
    number = {"x86_64": 304, "aarch64": 265}.get(platform.machine())
    if number is None:
        return "EPERM"
    libc = ctypes.CDLL(None, use_errno=True)
    handle = ctypes.create_string_buffer(128)
    ctypes.memmove(handle, (8).to_bytes(4, "little"), 4)
    fd = libc.syscall(number, -100, handle, os.O_RDONLY)
    return "opened" if fd >= 0 else os.strerror(ctypes.get_errno()).split()[0]

class Strategy:
    @hookimpl
    def on_candle(self, candle, ctx):
        return [Intent(candle.market, "up", 1.0, tag=_by_handle())]
""")
    code = SHADOW.format(marker=str(marker))
    for name in SHADOWED:
        (target / f"{name}.py").write_text(code)
    return target


@pytest.mark.parametrize("level", ["strict", "none"])
def test_a_version_shipping_standard_library_modules_never_runs_them_and_no_worker_keeps_a_capability(
        tmp_path: Path, level: str) -> None:
    if level == "strict" and REFUSED:
        pytest.skip(REFUSED)
    marker = tmp_path / "outside-the-home" / "marker"
    marker.parent.mkdir()
    target = _shadowing_version(tmp_path / "versions", marker)
    runner = SandboxRunner("shadow", "1.0.0", target, limits=SandboxLimits(level=level, cpu_seconds=30),  # type: ignore[arg-type]
                           scratch_root=tmp_path / "scratch", log_path=tmp_path / "worker.log")
    try:
        runner.start()
        tags = {i.tag for out in runner.run_batch(nine_candles()).outputs for i in out}
        assert tags == {"Operation"}, tags  # "Operation not permitted" (EPERM): no CAP_DAC_READ_SEARCH
        pids = tree(runner.pid or 0)
        assert pids
        for pid in pids:
            status = _status(pid)
            assert int(status["CapEff"], 16) == 0, f"process {pid} keeps capabilities: {status['CapEff']}"
            assert int(status["CapPrm"], 16) == 0, f"process {pid} keeps capabilities: {status['CapPrm']}"
        worker = _status(next(p for p in pids if _is_python(p)))
        if level == "strict":
            assert worker["Seccomp"] == "2" and worker["NoNewPrivs"] == "1"
            assert worker["Uid"].split()[0] != "0" and int(worker["CapBnd"], 16) == 0
        assert "no capabilities" in runner.layers
    finally:
        runner.close()
    assert not marker.exists(), marker.read_text()
    assert "ran as uid" not in (tmp_path / "worker.log").read_text()


def test_check_and_add_refuse_a_wheel_shipping_a_standard_library_module(
        home: Path, cli_env: dict[str, str], tmp_path: Path) -> None:
    marker = tmp_path / "outside-the-home-marker"
    code = SHADOW.format(marker=str(marker)).encode()
    wheel = make_wheel(tmp_path / "wheels", "shadow-strategy", "1.0.0", ep="shadow", module="shadow_strategy",
                       files={"tempfile.py": code, "traceback/__init__.py": code})
    run: Callable[..., subprocess.CompletedProcess[str]] = lambda *a: subprocess.run(  # noqa: E731
        [str(BIN / "liveswap"), *a], env=cli_env, capture_output=True, text=True, timeout=120)
    check, add = run("check", str(wheel)), run("registry", "add", str(wheel))
    assert check.returncode == add.returncode == 1
    for out in (check.stderr, add.stderr):
        assert "tempfile.py is a top-level module named like the standard library's 'tempfile'" in out
        assert "traceback/__init__.py is a top-level module named like the standard library's 'traceback'" in out
    assert not (home / "registry" / wheel.name).exists()
    assert not marker.exists()


def test_the_load_trial_never_imports_a_dependencys_standard_library_named_module(
        home: Path, cli_env: dict[str, str], tmp_path: Path) -> None:
    """A library in the wheelhouse (not checked like a strategy) ships ``tempfile.py`` that raises
    when imported: ``check`` runs the strategy's load trial in its environment and passes, so the
    trial never imported it (the standard library's ``tempfile`` comes first)."""
    if REFUSED:
        pytest.skip(REFUSED)
    boom = b"raise SystemExit('the wheelhouse tempfile ran')\n"
    make_wheel(home / "wheelhouse", name="helper-lib", version="1.0", ep=None, module="helper_lib", requires=(),
               body="import tempfile\nVALUE = tempfile.gettempdir()\n", files={"tempfile.py": boom})
    (home / "liveswap.toml").write_text('offline = true\nwheelhouse = "wheelhouse"\n')
    wheel = make_wheel(tmp_path / "wheels", "needs-strategy", "1.0.0", ep="needs", module="needs_strategy",
                       requires=("liveswap>=1.0,<2", "helper-lib"), body=(
                           "import helper_lib, tempfile\nassert tempfile.gettempdir()\n"
                           "from liveswap.api import hookimpl\nclass Strategy:\n    @hookimpl\n"
                           "    def on_candle(self, candle, ctx):\n        return []\n"))
    check = subprocess.run([str(BIN / "liveswap"), "check", str(wheel)], env=cli_env, capture_output=True,
                           text=True, timeout=120)
    assert check.returncode == 0, check.stderr
    assert "locked set:        helper-lib==1.0" in check.stdout and "the wheelhouse tempfile ran" not in check.stdout
