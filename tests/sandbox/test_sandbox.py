"""The sandboxed worker as the engine meets it: real processes, real pipes, real limits."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from liveswap.api import Intent
from liveswap.runners.base import Runner, StrategyFault
from liveswap.sandbox.limits import MiB, SandboxLimits
from liveswap.sandbox.runner import SandboxRunner

from .conftest import install_strategy, nine_candles

Spawn = Callable[..., SandboxRunner]

GOOD = """
import os

class Strategy:
    def __init__(self):
        self.seen = 0
        self.params = {}

    @hookimpl
    def setup(self, params):
        self.params = dict(params)

    @hookimpl
    def on_candle(self, candle, ctx):
        self.seen += 1
        if candle.close > candle.open:
            return [Intent(market=candle.market, side="up", stake=1.5, max_price=0.6, tag="v1")]
        return None

    @hookimpl
    def on_params(self, params):
        self.params = dict(params)

    @hookimpl
    def export_state(self):
        return {"seen": self.seen, "params": self.params, "pid": os.getpid(), "cwd": os.getcwd()}

    @hookimpl
    def import_state(self, state, from_version):
        self.seen = state["seen"] + 1000
"""


def gone(pid: int | None) -> bool:
    """True once no process ``pid`` runs (reaped, or a zombie nobody reaped yet)."""
    assert pid is not None
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def fault_of(call: Callable[[], object]) -> StrategyFault:
    with pytest.raises(StrategyFault) as err:
        call()
    return err.value


def on_candle(body: str) -> str:
    """A strategy whose on_candle runs ``body``."""
    indented = "\n".join("        " + line for line in body.strip().splitlines())
    return f"class Strategy:\n    @hookimpl\n    def on_candle(self, candle, ctx):\n{indented}\n"


def test_good_strategy_round_trips_intents_params_and_state(spawn: Spawn) -> None:
    runner = spawn(GOOD)
    assert isinstance(runner, Runner)
    assert runner.alive and runner.pid and runner.pid != os.getpid()
    assert runner.implements == {"export_state", "import_state", "on_params"}
    runner.setup({"k": 2})
    result = runner.run_batch(nine_candles(close=101.0))
    assert result.outputs == [
        [Intent(market=c.market, side="up", stake=1.5, max_price=0.6, tag="v1")] for c, _ in nine_candles().candles
    ]
    assert runner.run_batch(nine_candles(close=99.0)).outputs == [None] * 9
    runner.on_params({"k": 3})
    state = runner.export_state()
    assert state is not None
    assert state["seen"] == 18 and state["params"] == {"k": 3} and state["pid"] == runner.worker_pid
    assert state["cwd"] == str(runner.work_dir)
    runner.import_state({"seen": 5}, "0.9.0")
    assert runner.export_state()["seen"] == 1005  # type: ignore[index]
    rss = runner.rss_bytes()
    assert rss is not None and 1 * MiB < rss < 200 * MiB


def test_close_ends_the_worker_and_removes_its_scratch_dir(spawn: Spawn) -> None:
    runner = spawn(GOOD)
    pid, scratch = runner.pid, runner.scratch
    assert scratch is not None and scratch.is_dir()
    runner.close()
    assert not runner.alive and gone(pid) and not scratch.exists()
    fault = fault_of(lambda: runner.run_batch(nine_candles()))
    assert "not running" in str(fault)
    runner.close()  # idempotent


def test_exception_in_a_hook_is_a_fault_and_the_runner_is_dead_after_it(spawn: Spawn) -> None:
    runner = spawn(on_candle("raise ValueError('no edge today')"))
    pid = runner.pid
    fault = fault_of(lambda: runner.run_batch(nine_candles()))
    assert fault.kind == "exception"
    assert "ValueError: no edge today" in str(fault) and "\n" not in str(fault)
    assert not runner.alive and gone(pid)
    again = fault_of(runner.export_state)
    assert again.kind == "exception" and "dead" in str(again)


def test_hanging_hook_is_killed_at_the_time_limit(spawn: Spawn) -> None:
    runner = spawn(on_candle("import time\nwhile True: time.sleep(0.01)"), hook_timeout=0.3)
    pid = runner.pid
    began = time.monotonic()
    fault = fault_of(lambda: runner.run_batch(nine_candles()))
    assert fault.kind == "timeout" and "0.3s" in str(fault)
    assert time.monotonic() - began < 2.0
    assert gone(pid) and not runner.alive


def test_memory_hog_hits_the_memory_limit(spawn: Spawn) -> None:
    runner = spawn(on_candle("hog = bytearray(2 * 1024 ** 3)\nreturn []"), limits=SandboxLimits(memory_bytes=256 * MiB))
    fault = fault_of(lambda: runner.run_batch(nine_candles()))
    assert fault.kind == "memory", str(fault)
    assert gone(runner.pid)


def test_cpu_time_limit_kills_a_spinning_worker(spawn: Spawn) -> None:
    runner = spawn(on_candle("while True: pass"), hook_timeout=10.0, limits=SandboxLimits(cpu_seconds=1))
    fault = fault_of(lambda: runner.run_batch(nine_candles()))
    assert fault.kind == "crash" and "SIGXCPU" in str(fault)


def test_unencodable_output_is_garbage_not_a_host_crash(spawn: Spawn) -> None:
    runner = spawn(on_candle("return [object()]"))
    fault = fault_of(lambda: runner.run_batch(nine_candles()))
    assert fault.kind == "garbage" and "object" in str(fault)


def test_json_garbage_passes_through_for_the_engine_to_reject(spawn: Spawn) -> None:
    runner = spawn(on_candle("return {'not': 'a list'}"))
    assert runner.run_batch(nine_candles()).outputs == [{"not": "a list"}] * 9
    assert runner.alive


@pytest.mark.parametrize(
    ("junk", "kind", "expected"),
    [
        (b"\x00\x00\x00\x05hello", "protocol", "not JSON"),
        (b"\x7f\xff\xff\xff", "garbage", "2147483647-byte reply, more than the 1245184 bytes allowed"),
        (b"\x00\x00\x00\x02[]", "protocol", "not an object"),
        (b'\x00\x00\x00\x10{"fault":"nope"}', "garbage", "a reply is ok, or fault and reason"),
        (b'\x00\x00\x00\x13{"ok":[],"pad":"x"}', "garbage", "unknown: ['pad']"),
        (b'\x00\x00\x00\x20{"fault":"crash","reason":1e999}', "protocol", "neither ok nor a valid fault"),
    ],
)
def test_bytes_written_straight_into_the_channel_are_a_fault(spawn: Spawn, junk: bytes, kind: str,
                                                             expected: str) -> None:
    body = f"import os, sys\nos.write(int(sys.argv[-1]), {junk!r})\nimport time; time.sleep(5)"
    runner = spawn(on_candle(body))
    fault = fault_of(lambda: runner.run_batch(nine_candles()))
    assert fault.kind == kind and expected in str(fault)
    assert gone(runner.pid)


def test_strategy_that_fails_to_import_is_a_load_fault(spawn: Spawn) -> None:
    runner = spawn("import no_such_module_xyz\n", start=False)
    fault = fault_of(runner.start)
    assert fault.kind == "load" and "no_such_module_xyz" in str(fault)
    assert not runner.alive and gone(runner.pid)


def test_bad_hook_signature_is_refused_with_pluggys_reason(spawn: Spawn) -> None:
    runner = spawn("class Strategy:\n    @hookimpl\n    def on_candle(self, candle, context):\n        return []\n",
                   start=False)
    fault = fault_of(runner.start)
    assert fault.kind == "load" and "context" in str(fault) and "\n" not in str(fault)


def test_missing_entry_point_is_a_load_fault(tmp_path: Path) -> None:
    target = install_strategy(tmp_path, "real", "1.0.0", GOOD)
    runner = SandboxRunner("other", "1.0.0", target, scratch_root=tmp_path / "s")
    fault = fault_of(runner.start)
    assert fault.kind == "load" and "'other'" in str(fault)


def test_printing_cannot_corrupt_the_channel(spawn: Spawn) -> None:
    runner = spawn(on_candle(
        "import sys\nprint('x' * 100_000)\nsys.stdout.flush()\nprint('{\"ok\": 1}', flush=True)\n"
        "sys.stderr.write('y' * 10_000)\nreturn [Intent(market=candle.market, side='down', stake=1.0)]"
    ))
    for _ in range(3):
        outputs = runner.run_batch(nine_candles()).outputs
        assert [o[0].side for o in outputs] == ["down"] * 9
    assert '{"ok": 1}' in runner.log_tail(10**6)


def test_os_exit_is_a_crash_with_the_exit_code(spawn: Spawn) -> None:
    runner = spawn(on_candle("import os\nos._exit(3)"))
    fault = fault_of(lambda: runner.run_batch(nine_candles()))
    assert fault.kind == "crash" and "code 3" in str(fault)
    assert gone(runner.pid)


def test_segfault_is_a_crash_naming_the_signal(spawn: Spawn) -> None:
    runner = spawn(on_candle("import ctypes\nctypes.string_at(0)"))
    fault = fault_of(lambda: runner.run_batch(nine_candles()))
    assert fault.kind == "crash" and "SIGSEGV" in str(fault)


def test_host_environment_and_credentials_are_not_visible(spawn: Spawn, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVESWAP_SECRET_TEST", "hunter2")
    monkeypatch.setenv("KALSHI_KEY", "kalshi-private-key")
    monkeypatch.setenv("LC_ALL", "C.UTF-8")
    runner = spawn("""
import os, site, sys

class Strategy:
    @hookimpl
    def on_candle(self, candle):
        return []

    @hookimpl
    def export_state(self):
        return {"env": dict(os.environ), "user_site": site.ENABLE_USER_SITE, "isolated": sys.flags.isolated}
""")
    state = runner.export_state()
    assert state is not None
    env = state["env"]
    assert "hunter2" not in str(env) and "kalshi-private-key" not in str(env)
    assert "LIVESWAP_SECRET_TEST" not in env and "KALSHI_KEY" not in env
    assert env["LC_ALL"] == "C.UTF-8" and env["HOME"] == str(runner.work_dir)
    assert state["user_site"] is not True and state["isolated"] == 1  # None: -S, site not even imported


def test_resource_limits_are_set_in_the_worker(spawn: Spawn) -> None:
    runner = spawn("""
import resource

class Strategy:
    @hookimpl
    def on_candle(self, candle):
        return []

    @hookimpl
    def export_state(self):
        names = ("RLIMIT_AS", "RLIMIT_CPU", "RLIMIT_NOFILE", "RLIMIT_NPROC", "RLIMIT_FSIZE", "RLIMIT_CORE")
        return {n: list(resource.getrlimit(getattr(resource, n))) for n in names}
""", limits=SandboxLimits(memory_bytes=512 * MiB, cpu_seconds=20, open_files=64, processes=32))
    assert runner.export_state() == {
        "RLIMIT_AS": [512 * MiB, 512 * MiB],
        "RLIMIT_CPU": [20, 25],
        "RLIMIT_NOFILE": [64, 64],
        "RLIMIT_NPROC": [32, 32],
        "RLIMIT_FSIZE": [32 * MiB, 32 * MiB],
        "RLIMIT_CORE": [0, 0],
    }


def test_two_versions_of_one_module_run_side_by_side(spawn: Spawn) -> None:
    body = on_candle("return [Intent(market=candle.market, side={side!r}, stake=1.0, tag=__file__)]")
    old = spawn(body.format(side="up"), version="1.0.0", module="shared_mod")
    new = spawn(body.format(side="down"), version="2.0.0", module="shared_mod")
    old_out = old.run_batch(nine_candles()).outputs[0][0]
    new_out = new.run_batch(nine_candles()).outputs[0][0]
    assert (old_out.side, new_out.side) == ("up", "down")
    assert old.install_dir != new.install_dir


def test_big_state_crosses_in_both_directions(spawn: Spawn) -> None:
    runner = spawn("""
class Strategy:
    state = {}

    @hookimpl
    def on_candle(self, candle):
        return []

    @hookimpl
    def export_state(self):
        return self.state

    @hookimpl
    def import_state(self, state, from_version):
        self.state = state
""")
    big = {"history": [float(i) for i in range(300_000)], "note": "é" * 1000}
    runner.max_state_bytes = 10_000_000  # the default cap is 1 MB (the setting max_state_bytes)
    runner.import_state(big, "1.0.0")
    assert runner.export_state() == big
    runner.max_state_bytes = 1_000_000
    with pytest.raises(StrategyFault) as fault:
        runner.export_state()
    assert fault.value.kind == "garbage" and "max_state_bytes" in fault.value.reason and not runner.alive


@pytest.fixture
def tcp_server() -> Iterator[int]:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                conn.close()
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


CONNECT = """
import socket

class Strategy:
    @hookimpl
    def on_candle(self, candle):
        return []

    @hookimpl
    def export_state(self):
        try:
            socket.create_connection(("127.0.0.1", {port}), timeout=1).close()
            return {{"connected": True}}
        except OSError as exc:
            return {{"connected": False, "error": str(exc)}}
"""


def test_network_is_cut_when_the_kernel_allows_it(spawn: Spawn, tcp_server: int) -> None:
    runner = spawn(CONNECT.format(port=tcp_server))
    if not runner.network_isolated:
        pytest.skip(f"kernel refused a network namespace here: {runner.network_reason}")
    state = runner.export_state()
    assert state is not None and state["connected"] is False, state


def test_without_isolation_the_same_strategy_connects(spawn: Spawn, tcp_server: int) -> None:
    runner = spawn(CONNECT.format(port=tcp_server), limits=SandboxLimits(level="none", isolate_network=False))
    assert runner.network_isolated is False
    assert runner.export_state() == {"connected": True}


def test_strategy_not_installed_in_the_host_env_is_a_load_fault(tmp_path: Path) -> None:
    runner = SandboxRunner("surely_not_installed", "1.0.0", None, scratch_root=tmp_path)
    fault = fault_of(runner.start)
    assert fault.kind == "load" and "surely_not_installed" in str(fault)


def test_a_worker_prepared_in_another_thread_serves_this_one(tmp_path: Path) -> None:
    target = install_strategy(tmp_path, "prep", "2.0.0", GOOD)
    runner = SandboxRunner("prep", "2.0.0", target, scratch_root=tmp_path / "s")
    thread = threading.Thread(target=runner.start)
    thread.start()
    thread.join()
    try:
        assert runner.alive and not gone(runner.pid)
        assert len(runner.run_batch(nine_candles()).outputs) == 9
    finally:
        runner.close()


HOST = """
import sys, time
from pathlib import Path
from liveswap.sandbox.runner import SandboxRunner
runner = SandboxRunner("stuck", "1.0.0", Path(sys.argv[1]), scratch_root=Path(sys.argv[2])).start()
print(runner.pid, flush=True)
runner.setup({})
"""


def test_worker_exits_when_its_host_is_killed(tmp_path: Path) -> None:
    target = install_strategy(tmp_path, "stuck", "1.0.0", """
import time

class Strategy:
    @hookimpl
    def setup(self, params):
        while True:
            time.sleep(0.05)

    @hookimpl
    def on_candle(self, candle):
        return []
""")
    host = subprocess.Popen([sys.executable, "-c", HOST, str(target), str(tmp_path / "s")],
                            stdout=subprocess.PIPE, text=True)
    assert host.stdout is not None
    worker_pid = int(host.stdout.readline())
    host.kill()
    host.wait()
    deadline = time.monotonic() + 5
    while not gone(worker_pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(worker_pid)


@pytest.mark.parametrize(("body", "what"), [
    ("return [Intent(candle.market, 'up', 10**400)]", "integer of 401 digits"),
    ("return [{'market': candle.market, 'side': 'up', 'stake': float('nan')}]", "NaN"),
    ("return [{'market': candle.market, 'side': 'up', 'stake': float('inf')}]", "Infinity"),
])
def test_numbers_json_or_the_host_cannot_carry_are_garbage(spawn: Spawn, body: str, what: str) -> None:
    runner = spawn(f"""
class Strategy:
    @hookimpl
    def on_candle(self, candle):
        {body}
""")
    with pytest.raises(StrategyFault) as fault:
        runner.run_batch(nine_candles())
    assert fault.value.kind in ("garbage", "exception"), fault.value
    assert fault.value.kind == "exception" or what in fault.value.reason
    assert not runner.alive


def test_nan_in_an_exported_state_is_garbage(spawn: Spawn) -> None:
    runner = spawn("""
class Strategy:
    @hookimpl
    def on_candle(self, candle):
        return []

    @hookimpl
    def export_state(self):
        return {"edge": float("nan")}
""")
    with pytest.raises(StrategyFault) as fault:
        runner.export_state()
    assert fault.value.kind in ("garbage", "exception") and not runner.alive
