"""Engines on a home folder whose strategies run in real sandboxed workers, from wheels in the
home's registry (swap and rollback tests with real faults)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from liveswap.brokers.paper import PaperBroker
from liveswap.engine.loop import Engine
from liveswap.feeds.synthetic import SyntheticFeed
from liveswap.host import connect, outcome_lookup
from liveswap.journal import Journal
from liveswap.registry.registry import Registry
from liveswap.sandbox.limits import SandboxLimits
from liveswap.settings import load_settings
from liveswap.swap.manager import SwapManager
from liveswap.swap.registry_loader import RegistryLoader

from tests.support.engine_helpers import T0, ManualClock


def sandboxed_engine(home: Path, start: str = "probe==1.0.0", probation: int = 30,
                     **settings_kw: Any) -> tuple[Engine, SwapManager]:
    settings = load_settings(home, hook_timeout_seconds=1.0,
                             sandbox=SandboxLimits(memory_bytes=512 * 1024 * 1024), **settings_kw)
    feed = SyntheticFeed(settings.markets, seed=settings.seed)
    clock = ManualClock(T0)
    broker = PaperBroker(settings.state_dir / "paper_broker.sqlite", settings.paper, outcome_lookup(feed, clock))
    journal = Journal(settings.state_dir / "journal.sqlite")
    loader = RegistryLoader(Registry.from_settings(settings), limits=settings.sandbox,
                            hook_timeout=settings.hook_timeout_seconds, state_dir=settings.state_dir,
                            max_state_bytes=settings.max_state_bytes)
    active = loader.load(start)
    engine = Engine(settings=settings, feed=feed, broker=broker, journal=journal, clock=clock, active=active)
    engine.recover(T0)
    journal.record_swap(kind="start", from_version=None, to_version=active.spec, ok=True,
                        reason="", batch_end=engine.cursor)
    swaps = SwapManager(engine, loader, probation_batches=probation)
    connect(engine, swaps=swaps)
    return engine, swaps


def activate(engine: Engine, swaps: SwapManager, spec: str | None, kind: str = "activate") -> str | None:
    """Request a swap, wait until it is prepared, commit it at the next batch boundary; the refusal or None."""
    out: list[str | None] = []
    swaps.request(kind=kind, spec=spec, generation=1, done=out.append)  # type: ignore[arg-type]
    assert swaps.wait_prepared(60)
    swaps.tick(engine)
    return out[0]


def decided(engine: Engine) -> dict[tuple[str, int], str]:
    """(market, candle start) -> the version the journal says decided it."""
    return {(r[0], r[1]): r[2] for r in engine.journal.query("SELECT market, candle_start, version FROM decisions")}


def start_host(home: Path) -> tuple[Engine, SwapManager]:
    """A host start on ``home`` as ``liveswap run`` does it (``build_engine``): probe==1.0.0 the first
    time, else what the journal says; the host dies twice during a probation at most."""
    from liveswap.host import build_engine

    settings = load_settings(home, strategy="probe==1.0.0", hook_timeout_seconds=2.0, warmup_seconds=1800,
                             sandbox=SandboxLimits(memory_bytes=512 * 1024 * 1024), max_probation_crashes=2)
    return build_engine(settings)


def die(engine: Engine, swaps: SwapManager) -> None:
    """What kill -9 leaves: workers gone, no clean close of the probation."""
    if swaps._probation is not None:  # noqa: SLF001 - stop the warm worker as the kernel would
        swaps._probation.old.runner.close()  # noqa: SLF001
    engine.active.runner.close()
    engine.journal.close()
