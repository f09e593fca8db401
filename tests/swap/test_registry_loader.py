"""Preparing a version (resolving and installing its environment) stays off the trading path."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from liveswap.brokers.paper import PaperBroker
from liveswap.engine.loop import Engine
from liveswap.feeds.synthetic import SyntheticFeed
from liveswap.host import connect, outcome_lookup
from liveswap.journal import Journal
from liveswap.registry import envs
from liveswap.registry.registry import Registry
from liveswap.settings import load_settings
from liveswap.swap.manager import SwapManager
from liveswap.swap.registry_loader import RegistryLoader

from tests.support.engine_helpers import T0, ManualClock, advance
from tests.support.wheelkit import make_wheel, strategy_source


def test_a_slow_install_never_stalls_trading(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_wheel(home / "wheelhouse", name="tinylib", version="1.0", ep=None, module="tinylib", requires=(),
               body="VERSION = '1.0'\n")
    make_wheel(home / "registry", "probe-strategy", "1.0.0", ep="probe", module="probe_strategy")
    make_wheel(home / "registry", "probe-strategy", "2.0.0", ep="probe", module="probe_strategy",
               requires=["liveswap>=1.0,<2", "tinylib"], body=strategy_source("2.0.0", imports=["tinylib"]))
    (home / "liveswap.toml").write_text('offline = true\nwheelhouse = "wheelhouse"\n')
    settings = load_settings(home)
    feed = SyntheticFeed(settings.markets, seed=settings.seed)
    clock = ManualClock(T0)
    broker = PaperBroker(settings.state_dir / "paper_broker.sqlite", settings.paper, outcome_lookup(feed, clock))
    journal = Journal(settings.state_dir / "journal.sqlite")
    loader = RegistryLoader(Registry.from_settings(settings), limits=settings.sandbox,
                            hook_timeout=settings.hook_timeout_seconds, state_dir=settings.state_dir)
    engine = Engine(settings=settings, feed=feed, broker=broker, journal=journal, clock=clock,
                    active=loader.load("probe==1.0.0"))
    engine.recover(T0)
    swaps = SwapManager(engine, loader, probation_batches=5)
    connect(engine, swaps=swaps, registry=loader)

    installing, release = threading.Event(), threading.Event()
    real_install = envs.install_pinned

    def slow_install(*args: object, **kw: object) -> None:
        installing.set()
        assert release.wait(60)
        real_install(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(envs, "install_pinned", slow_install)
    try:
        done: list[str | None] = []
        swaps.request(kind="activate", spec="probe==2.0.0", generation=1, done=done.append)
        assert installing.wait(60)  # the install of 2.0.0's environment is under way ...
        before = engine.candles_processed
        for _ in range(6):  # ... while the engine keeps deciding candle batches with 1.0.0
            advance(engine, 300)
            swaps.tick(engine)
        assert engine.candles_processed > before and engine.active.spec == "probe==1.0.0"
        release.set()
        assert swaps.wait_prepared(60)
        swaps.tick(engine)
        assert done == [None] and engine.active.spec == "probe==2.0.0"
    finally:
        release.set()
        swaps.close()
        engine.active.runner.close()
