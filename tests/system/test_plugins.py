"""The sample strategies under ``plugins/``: they build into a registry, pass their own tests, and
momentum's state survives 1.0.0 -> 1.1.0 -> 1.0.0, both with each version loaded from its own
wheel and through the host's real registry, sandboxed workers and swap manager."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from email.parser import Parser
from pathlib import Path

import pytest
from liveswap import ENTRY_POINT_GROUP, __version__
from liveswap.brokers.paper import PaperBroker
from liveswap.engine.loop import Engine
from liveswap.feeds.synthetic import SyntheticFeed
from liveswap.host import connect, make_loader, outcome_lookup
from liveswap.journal import Journal
from liveswap.settings import load_settings
from liveswap.swap.manager import SwapManager
from liveswap.testing import synthetic_candles
from packaging.requirements import Requirement

from tests.support.engine_helpers import T0, ManualClock, advance

ROOT = Path(__file__).resolve().parents[2]
PLUGINS = ROOT / "plugins"
BUILD_ALL = PLUGINS / "build_all.py"
WHEELS = {
    "momentum_strategy-1.0.0-py3-none-any.whl": "momentum",
    "momentum_strategy-1.1.0-py3-none-any.whl": "momentum",
    "overreaction_strategy-1.0.0-py3-none-any.whl": "overreaction",
}


def build_all(out: Path) -> list[str]:
    done = subprocess.run([sys.executable, str(BUILD_ALL), "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The three sample wheels, built once per test session by the real ``build_all.py``."""
    out = tmp_path_factory.mktemp("registry")
    lines = build_all(out)
    assert sorted(lines) == sorted(f"added     {name}" for name in WHEELS)
    return out


def test_build_all_fills_the_registry_with_one_wheel_per_sample(registry: Path) -> None:
    assert sorted(p.name for p in registry.iterdir()) == sorted(WHEELS)


@pytest.mark.parametrize("wheel", sorted(WHEELS))
def test_each_wheel_declares_its_entry_point_and_host_requirement(registry: Path, wheel: str) -> None:
    with zipfile.ZipFile(registry / wheel) as zf:
        dist_info = next(n.split("/")[0] for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = Parser().parsestr(zf.read(f"{dist_info}/METADATA").decode())
        entry_points = zf.read(f"{dist_info}/entry_points.txt").decode()
    assert f"[{ENTRY_POINT_GROUP}]\n{WHEELS[wheel]} = " in entry_points
    requirements = [Requirement(r) for r in metadata.get_all("Requires-Dist")]
    host = [r for r in requirements if r.name == "liveswap"]
    assert len(host) == 1 and str(host[0].specifier) == "<2,>=1.0"
    assert host[0].specifier.contains(__version__)


def test_rebuilding_never_overwrites_a_registry_version(registry: Path, tmp_path: Path) -> None:
    copy = tmp_path / "registry"
    shutil.copytree(registry, copy)
    tampered = copy / "overreaction_strategy-1.0.0-py3-none-any.whl"
    tampered.write_bytes(tampered.read_bytes() + b"\0")
    lines = build_all(copy)
    assert "unchanged momentum_strategy-1.0.0-py3-none-any.whl" in lines
    assert "unchanged momentum_strategy-1.1.0-py3-none-any.whl" in lines
    assert any(ln.startswith("kept      overreaction_strategy-1.0.0") and "bump the version" in ln for ln in lines)
    assert tampered.read_bytes().endswith(b"\0")


@pytest.mark.parametrize("project", ["momentum-1.0.0", "momentum-1.1.0", "overreaction-1.0.0"])
def test_each_sample_passes_its_own_tests(project: str) -> None:
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                          cwd=PLUGINS / project, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
    assert " passed" in done.stdout and "failed" not in done.stdout


# One strategy version per process, imported from its own unpacked wheel (both versions share
# the import package ``momentum_strategy``): feed candles [start:stop), take over the state on
# stdin, print the exported state.
DRIVER = r"""
import json, sys
site, version, start, stop = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
sys.path.insert(0, site)
from liveswap.runners.strategy_plugin import resolve_entry_point
from liveswap.testing import StrategyHarness, synthetic_candles
strategy = resolve_entry_point("momentum", path=[site])
h = StrategyHarness(strategy, name="momentum", version=version)
handover = json.loads(sys.stdin.read())
if handover:
    h.import_state(handover["state"], handover["from_version"])
intents = h.feed(synthetic_candles(count=int(sys.argv[5]))[start:stop])
print(json.dumps({"state": h.export_state(), "intents": len(intents), "rejected": len(h.rejected),
                  "module": sys.modules["momentum_strategy"].__file__}))
"""


def run_version(site: Path, version: str, start: int, stop: int, count: int, handover: dict | None) -> dict:
    done = subprocess.run([sys.executable, "-c", DRIVER, str(site), version, str(start), str(stop), str(count)],
                          input=json.dumps(handover or {}), capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert result["module"].startswith(str(site)), "loaded from the wrong version's folder"
    assert result["rejected"] == 0
    return result


def test_momentum_state_migrates_up_to_1_1_0_and_back_down_to_1_0_0(registry: Path, tmp_path: Path) -> None:
    sites = {}
    for version in ("1.0.0", "1.1.0"):
        sites[version] = tmp_path / version
        with zipfile.ZipFile(registry / f"momentum_strategy-{version}-py3-none-any.whl") as zf:
            zf.extractall(sites[version])
    count = 160
    candles = synthetic_candles(count=count)
    a, b = len(candles) // 3, 2 * len(candles) // 3

    old = run_version(sites["1.0.0"], "1.0.0", 0, a, count, None)
    assert "layout" not in old["state"] and old["state"]["seen"] == dict(Counter(c.market for c in candles[:a]))

    new = run_version(sites["1.1.0"], "1.1.0", a, b, count, {"state": old["state"], "from_version": "1.0.0"})
    markets = new["state"]["markets"]
    assert new["state"]["layout"] == 2
    assert {m: e["seen"] for m, e in markets.items()} == dict(Counter(c.market for c in candles[:b]))
    assert all(e["ewma_vol"] > 0 for e in markets.values())
    assert new["intents"] > 0  # 1.1.0 trades on the history it took over

    handover = {"state": new["state"], "from_version": "1.1.0"}
    back = run_version(sites["1.0.0"], "1.0.0", b, len(candles), count, handover)
    state = back["state"]
    assert "layout" not in state and set(state) >= {"closes", "seen", "last_end", "stats"}
    assert state["seen"] == dict(Counter(c.market for c in candles))  # every candle counted once
    last = {c.market: c for c in candles}
    assert state["last_end"] == {m: c.end for m, c in last.items()}
    assert {m: closes[-1] for m, closes in state["closes"].items()} == {m: c.close for m, c in last.items()}


def test_momentum_swaps_up_and_down_on_the_engine_and_decides_every_candle_once(registry: Path, home: Path) -> None:
    for wheel in registry.iterdir():
        shutil.copy(wheel, home / "registry" / wheel.name)
    settings = load_settings(home)
    feed, clock = SyntheticFeed(settings.markets, seed=settings.seed), ManualClock(T0)
    broker = PaperBroker(settings.state_dir / "paper_broker.sqlite", settings.paper, outcome_lookup(feed, clock))
    loader = make_loader(settings)
    engine = Engine(settings=settings, feed=feed, broker=broker, journal=Journal(settings.state_dir / "journal.sqlite"),
                    clock=clock, active=loader.load("momentum==1.0.0"))
    engine.recover(T0)
    swaps = SwapManager(engine, loader, probation_batches=3)
    connect(engine, swaps=swaps)
    try:
        advance(engine, 4 * 3600)
        for generation, spec in enumerate(("momentum==1.1.0", "momentum==1.0.0"), start=1):
            outcome: list[str | None] = []
            swaps.request(kind="activate", spec=spec, generation=generation, done=outcome.append)
            assert swaps.wait_prepared()
            swaps.tick(engine)
            assert outcome == [None] and engine.last_swap.ok, engine.last_swap
            advance(engine, 4 * 3600)
        state = engine.active.runner.export_state()
        decisions = engine.journal.query("SELECT market, version FROM decisions")
        assert state["seen"] == dict(Counter(market for market, _ in decisions))  # none skipped, none twice
        assert set(Counter(version for _, version in decisions)) == {"1.0.0", "1.1.0"}
        assert state["stats"]["settled"] > 0
        assert state["stats"]["pnl"] == pytest.approx(float(engine.ledger.realized_pnl), abs=1e-6)
    finally:
        swaps.close()
        engine.active.runner.close()
        engine.journal.close()
