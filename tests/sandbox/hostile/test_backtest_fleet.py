"""The backtest's workers and a fleet host's workers are confined like a live worker (issue 23 rechecked
after backtest #27 and fleet #29).

* ``liveswap backtest`` runs a hostile wheel through the chunk message: its code cannot write outside
  its scratch (the home's state folder beside it, a folder outside the home), read a 0600 key file,
  and runs with its own uid, no capabilities, no new privileges and seccomp -- as live.
* A fleet host's strategy never sees the NATS connection or its credentials: no ``LIVESWAP_FLEET__*``
  in its environment, the creds file unreadable, the host's environment and its connected socket
  out of reach, the server's port unreachable.

The hostile code reports what it saw by raising it (the fault text the host shows); every effect is
also judged from outside (marker files, the key file's reader).
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest
from liveswap.runners import StrategyFault
from liveswap.sandbox import SandboxRunner

from tests.sandbox.conftest import install_strategy, nine_candles
from tests.support.backtest_kit import add_strategy, backtest, synthetic_csv
from tests.support.hostile import STRICT, needs_strict

pytestmark = needs_strict

PRELUDE = '''
import json, os, socket
from liveswap.api import Intent, hookimpl

T = json.loads(@TARGET@)


def _try(fn):
    try:
        fn()
        return "ok"
    except BaseException as exc:  # noqa: BLE001
        return type(exc).__name__[:12]
'''

PROBE = PRELUDE + '''

def _write(path):
    with open(path, "w") as f:
        f.write("escaped")


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _status():
    with open("/proc/self/status") as f:
        st = {k: v.strip() for k, _, v in (line.partition(":") for line in f)}
    return [st["Uid"].split()[0], st["CapEff"], st["Seccomp"], st["NoNewPrivs"]]


def _sockets():
    out = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            link = os.readlink("/proc/self/fd/" + fd)
        except OSError:
            continue
        if link.startswith("socket:"):
            out.append(link)
    return out


def probe():
    seen = {"w%d" % i: _try(lambda p=p: _write(p)) for i, p in enumerate(T["writes"])}
    seen.update({"r%d" % i: _try(lambda p=p: _read(p)) for i, p in enumerate(T["reads"])})
    if T.get("port"):
        seen["connect"] = _try(lambda: socket.create_connection(("127.0.0.1", T["port"]), 2).close())
    seen["env"] = sorted(k for k in os.environ if k.startswith("LIVESWAP") or "FLEET" in k or "NATS" in k)
    seen["status"] = _status()
    seen["sockets"] = _sockets()
    return seen


class Strategy:
    @hookimpl
    def on_candle(self, candle, ctx):
        raise RuntimeError("PROBE" + json.dumps(probe()) + "EBORP")
'''


def probe_body(target: dict[str, Any]) -> str:
    return PROBE.replace("@TARGET@", repr(json.dumps(target)))


def seen_in(fault: str) -> dict[str, Any]:
    assert "PROBE" in fault and "EBORP" in fault, fault
    return json.loads(fault.split("PROBE", 1)[1].split("EBORP", 1)[0])  # type: ignore[no-any-return]


def assert_confined(seen: dict[str, Any]) -> None:
    """Own uid, no capabilities, seccomp in filter mode, no new privileges: a live strict worker."""
    uid, cap_eff, seccomp, no_new_privs = seen["status"]
    assert uid != "0" and int(cap_eff, 16) == 0 and seccomp == "2" and no_new_privs == "1", seen["status"]


def key_file(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    key = folder / "api.key"
    key.write_text("SECRET-KEY")
    key.chmod(0o600)
    return key


def test_a_hostile_wheel_backtested_from_the_cli_cannot_write_outside_its_scratch(
        home: Path, cli_env: dict[str, str], tmp_path: Path) -> None:
    outside = tmp_path / "outside-the-home"
    key = key_file(outside)
    writes = [str(outside / "marker"), str(home / "state" / "backtests" / "marker"), str(home / "registry" / "x.whl"),
              str(home / "state" / "journal.sqlite")]
    spec = add_strategy(home, "probe", probe_body({"writes": writes, "reads": [str(key)]}))
    csv = synthetic_csv(home / "c.csv", hours=1)
    journal_before = (home / "state" / "journal.sqlite").exists()
    done = backtest(cli_env, spec, "--candles", f"csv:{csv}", "--json")
    assert done.returncode == 1, done.stderr
    fault = json.loads(done.stdout)["versions"][0]["fault"]
    seen = seen_in(fault)
    assert {seen[f"w{i}"] for i in range(len(writes))} | {seen["r0"]} <= {"PermissionEr", "FileNotFound",
                                                                           "OSError"}, seen
    assert_confined(seen)
    assert not (outside / "marker").exists() and not (home / "state" / "backtests" / "marker").exists()
    assert not (home / "registry" / "x.whl").exists()
    assert (home / "state" / "journal.sqlite").exists() == journal_before
    assert key.read_text() == "SECRET-KEY"


@pytest.fixture
def nats_like(tmp_path: Path) -> Any:
    """What a fleet host holds: a connection to a server on a local port, a creds file, the env."""
    server = socket.create_server(("127.0.0.1", 0))
    client = socket.create_connection(server.getsockname())
    accepted, _ = server.accept()
    yield server, client
    for s in (accepted, client, server):
        s.close()


def test_a_fleet_hosts_strategy_never_sees_the_nats_connection_or_its_credentials(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, nats_like: Any) -> None:
    server, client = nats_like
    creds = key_file(tmp_path / "fleet").with_name("host.creds")
    creds.write_text("-----BEGIN NATS USER JWT-----\nSECRET\n")
    creds.chmod(0o600)
    port = server.getsockname()[1]
    monkeypatch.setenv("LIVESWAP_FLEET__URL", f"nats://127.0.0.1:{port}")
    monkeypatch.setenv("LIVESWAP_FLEET__CREDS_FILE", str(creds))
    monkeypatch.setenv("NATS_TOKEN", "SECRET")
    host_environ = f"/proc/{os.getpid()}/environ"
    target = install_strategy(tmp_path / "versions", "probe", "1.0.0", probe_body(
        {"writes": [], "reads": [str(creds), host_environ], "port": port}))
    runner = SandboxRunner("probe", "1.0.0", target, limits=STRICT, scratch_root=tmp_path / "scratch",
                           log_path=tmp_path / "worker.log")
    try:
        runner.start()
        with pytest.raises(StrategyFault) as fault:
            runner.run_batch(nine_candles())
    finally:
        runner.close()
    seen = seen_in(fault.value.reason)
    assert seen["env"] == [], seen["env"]
    assert seen["r0"] != "ok" and seen["r1"] != "ok" and seen["connect"] != "ok", seen
    held = f"socket:[{os.fstat(client.fileno()).st_ino}]"
    assert held not in seen["sockets"], seen["sockets"]  # the host's connection is not inherited
    assert_confined(seen)
    assert subprocess.run(["true"]).returncode == 0  # the host process is untouched


FLEET_PROBE = PRELUDE + '''

def _summary():
    env = [k for k, v in os.environ.items() if "FLEET" in k or "NATS" in k or T["secret"] in v]
    sockets = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            sockets += os.readlink("/proc/self/fd/" + fd).startswith("socket:")
        except OSError:
            pass
    with open("/proc/self/status") as f:
        st = {k: v.strip() for k, _, v in (line.partition(":") for line in f)}
    return ";".join([
        "env=%d" % len(env),
        "connect=" + _try(lambda: socket.create_connection(("127.0.0.1", T["port"]), 2).close()),
        "settings=" + _try(lambda: open(T["settings"]).read()),
        "sockets=%d" % sockets,
        "uid=" + st["Uid"].split()[0],
        "cap=" + st["CapEff"],
    ])


class Strategy:
    def __init__(self):
        self.tag = None

    @hookimpl
    def on_candle(self, candle, ctx):
        if self.tag is None:
            self.tag = _summary()
        return [Intent(candle.market, "up", 1.0, tag=self.tag[:200])]
'''


def test_a_strategy_on_a_real_fleet_host_never_reaches_its_nats_connection_or_credentials(tmp_path: Path) -> None:
    """A real ``liveswap run`` in a fleet on a real nats-server that requires a password: the host
    holds the connection and the credentials (in ``LIVESWAP_FLEET__URL``); its strategy reports, in
    its intents' tags (journaled with every order), what it could see of them: nothing."""
    from tests.support.fleet_hosts import Fleet, rows
    from tests.support.nats_server import NatsServer
    from tests.support.wait import until
    from tests.support.wheelkit import make_wheel

    secret = "nats-pass-0f9c1e"
    server = NatsServer(tmp_path / "nats-store", user="fleet", password=secret).start()
    fleet = Fleet(tmp_path, server, 1, LIVESWAP_STRATEGY="fleetprobe==1.0.0")
    home = fleet.homes[0]
    (home / "liveswap.toml").write_text(f"# fleet password: {secret}\n")
    make_wheel(home / "registry", "fleetprobe-strategy", "1.0.0", ep="fleetprobe", module="fleetprobe_strategy",
               body=FLEET_PROBE.replace("@TARGET@", repr(json.dumps(
                   {"port": server.port, "secret": secret, "settings": str(home / "liveswap.toml")}))))
    assert secret in fleet.envs[0]["LIVESWAP_FLEET__URL"]
    try:
        proc = fleet.start(0)
        until(lambda: proc.poll() is not None or _orders_under_a_lease(home), timeout=60,
              what="an order of the fleet host")
        assert proc.poll() is None, (home.parent / "host.stderr").read_text()[-2000:]
    finally:
        fleet.stop()
        server.stop()
    tags = {r["tag"] for r in rows(home, "SELECT tag FROM orders")}
    assert len(tags) == 1, tags
    seen = dict(item.split("=", 1) for item in tags.pop().split(";"))
    assert seen["env"] == "0" and seen["connect"] != "ok" and seen["settings"] != "ok", seen
    assert seen["sockets"] == "0" and seen["uid"] != "0" and int(seen["cap"], 16) == 0, seen


def _orders_under_a_lease(home: Path) -> bool:
    from tests.support.fleet_hosts import rows

    try:
        return bool(rows(home, "SELECT 1 FROM orders WHERE lease_revision IS NOT NULL"))
    except sqlite3.OperationalError:  # the host has not created its journal yet
        return False
