"""``liveswap fleet rollout | undo | status`` against three real hosts on a real nats-server."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.fleet_hosts import fleet_of
from tests.support.host import ls
from tests.support.nats_server import NatsServer
from tests.support.wait import until
from tests.support.wheelkit import make_wheel

FAULTY = '''
from liveswap.api import hookimpl


class Strategy:
    @hookimpl
    def on_candle(self, candle, ctx):
        raise RuntimeError("this version is broken")
'''

# a dry-run analysis: no money guard can be measured within the test (min_bets out of reach), so the
# canary ends on its candle budget with the declared no-data verdict; a faulting version still fails
ANALYSIS = ('min_bets = 100000\nmax_bets = 100000\nmax_candles = 12\nno_data = "successful"\n'
            'consecutive_error_limit = 1\n')


# a rollout waits on versions, not leases: a longer lease keeps a host starved of CPU for a moment
# (two cores, many tests) from counting as gone
ROOMY = {"LIVESWAP_FLEET__LEASE_SECONDS": "3"}


def fleet_status(env: dict[str, str]) -> dict:
    out = ls(env, "fleet", "status", "--json")
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_a_rollout_reaches_every_host_and_undo_brings_them_back(tmp_path: Path, nats_server: NatsServer) -> None:
    analysis = tmp_path / "analysis.toml"
    analysis.write_text(ANALYSIS)
    with fleet_of(tmp_path, nats_server, **ROOMY) as fleet:
        env = fleet.envs[0]
        until(lambda: len([h for h in fleet_status(env)["hosts"] if h["alive"] and h["active"]]) == 3, timeout=60,
              what="three hosts in fleet status")
        out = ls(env, "fleet", "rollout", "ctlprobe==2.0.0", "--analysis", str(analysis), "--wait", "90",
                 timeout=400)
        assert out.returncode == 0, out.stdout + out.stderr
        doc = fleet_status(env)
        assert [h["active"] for h in doc["hosts"]] == ["ctlprobe==2.0.0"] * 3
        assert doc["desired"]["active"] == "ctlprobe==2.0.0" and doc["desired"]["previous"] == "ctlprobe==1.0.0"
        assert sorted(m for h in doc["hosts"] for m in h["markets"]) == sorted(
            {m for h in doc["hosts"] for m in h["markets"]})

        out = ls(env, "fleet", "undo", "--wait", "90", timeout=200)
        assert out.returncode == 0, out.stdout + out.stderr
        assert [h["active"] for h in fleet_status(env)["hosts"]] == ["ctlprobe==1.0.0"] * 3


def test_a_faulty_version_is_rolled_back_on_the_canary_host_and_never_reaches_the_others(
        tmp_path: Path, nats_server: NatsServer) -> None:
    analysis = tmp_path / "analysis.toml"
    analysis.write_text(ANALYSIS)
    with fleet_of(tmp_path, nats_server, **ROOMY) as fleet:
        for home in fleet.homes:
            make_wheel(home / "registry", "ctlprobe-strategy", "3.0.0", ep="ctlprobe", module="ctlprobe_strategy",
                       body=FAULTY)
        env = fleet.envs[0]
        until(lambda: len([h for h in fleet_status(env)["hosts"] if h["alive"] and h["active"]]) == 3, timeout=60,
              what="three hosts in fleet status")
        out = ls(env, "fleet", "rollout", "ctlprobe==3.0.0", "--analysis", str(analysis), "--wait", "90",
                 timeout=400)
        assert out.returncode == 1
        assert "rollout of ctlprobe==3.0.0 failed: canary on h0" in out.stderr
        assert "every host set back to ctlprobe==1.0.0" in out.stderr
        doc = fleet_status(env)
        assert [h["active"] for h in doc["hosts"]] == ["ctlprobe==1.0.0"] * 3
        assert doc["desired"]["active"] == "ctlprobe==1.0.0" and not doc["desired"]["hosts"]
        # the other hosts never ran it: not as a candidate, not as a version
        for home in fleet.homes[1:]:
            assert "ctlprobe==3.0.0" not in (home / "state" / "control.json").read_text()
