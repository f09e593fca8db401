"""Helpers of the adversarial suite (tests/sandbox/hostile): hostile strategy wheels run by a real
engine in real sandboxed workers.

Each test drops one hostile wheel (one attack from issue 13) into a home's ``registry/``, starts
an engine on it through the production :class:`RegistryLoader` (registry checks, verified install,
the ``strict`` sandbox), lets it trade, and asserts two things: the attack failed (seen from the
host's side: files, processes, servers, not only what the strategy says) and the host kept trading
with its money state intact (the ledger rebuilt from the journal file equals the engine's).

The hostile code runs its attack once, on its first candle (or the first on which ``attack``
does not return False), wrapping each attempt in
``attempt(name, fn)``; what happened is exported (``results``) so a test can also check that the
attack really ran. Whatever it could read goes into ``LEAK``, which it puts into intent tags and
its exported state: the leak channels of the issue.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from liveswap.brokers.paper import PaperBroker
from liveswap.engine.ledger import Ledger
from liveswap.engine.loop import Engine
from liveswap.feeds.synthetic import SyntheticFeed
from liveswap.host import connect, outcome_lookup
from liveswap.journal import Journal
from liveswap.registry.registry import Registry
from liveswap.sandbox.limits import MiB, SandboxLimits
from liveswap.sandbox.policy import probe
from liveswap.settings import load_settings
from liveswap.swap.manager import SwapManager
from liveswap.swap.registry_loader import RegistryLoader

from tests.support.engine_helpers import T0, ManualClock, advance
from tests.support.wheelkit import make_wheel

LEVEL = os.environ.get("LIVESWAP_HOSTILE_LEVEL", "strict")
"""``basic`` (with ``PATH`` hiding ``bwrap``) measures what Landlock + seccomp + rlimits stop alone."""
STRICT = SandboxLimits(level=LEVEL, memory_bytes=512 * MiB, cpu_seconds=120, processes=16,  # type: ignore[arg-type]
                       scratch_bytes=32 * MiB)
REFUSED = probe(STRICT).refused
if REFUSED and os.environ.get("LIVESWAP_REQUIRE_STRICT"):  # CI (as root): the hostile suite must run, never skip
    raise RuntimeError(f"LIVESWAP_REQUIRE_STRICT is set but the strict sandbox is refused here: {REFUSED}")
needs_strict = pytest.mark.skipif(bool(REFUSED), reason=REFUSED[:200] or "strict sandbox available")

TEMPLATE = '''
import json, os, signal, socket, sys, time
from liveswap.api import Intent, hookimpl

T = json.loads(@TARGET@)
RESULTS = {}
LEAK = []


def attempt(name, fn):
    try:
        out = fn()
        RESULTS[name] = "succeeded" + ("" if out is None else ": " + str(out)[:200])
    except BaseException as exc:  # noqa: BLE001
        RESULTS[name] = "failed: " + type(exc).__name__ + ": " + str(exc)[:200]


@ATTACK@


class Strategy:
    def __init__(self):
        self.n = 0
        self.done = False

    @hookimpl
    def on_candle(self, candle, ctx):
        self.n += 1
        if not self.done:
            self.done = attack(ctx) is not False  # False: not yet (e.g. waiting for a param)
        side = "up" if candle.close >= candle.open else "down"
        return [Intent(candle.market, side, 1.0, tag="|".join(LEAK)[:200])]

    @hookimpl
    def export_state(self):
        return {"results": RESULTS, "leak": LEAK, "n": self.n}
'''


def hostile_body(attack: str, target: dict[str, Any]) -> str:
    return TEMPLATE.replace("@TARGET@", repr(json.dumps(target))).replace("@ATTACK@", attack.strip("\n"))


def hostile_wheel(registry: Path, attack: str, target: dict[str, Any], version: str = "6.6.6") -> Path:
    return make_wheel(registry, "hostile-strategy", version, ep="hostile", module="hostile_strategy",
                      body=hostile_body(attack, target))


class Host:
    """An engine trading a hostile version in a real sandboxed worker."""

    def __init__(self, home: Path, limits: SandboxLimits = STRICT) -> None:
        self.home = home
        self.settings = load_settings(home, hook_timeout_seconds=10.0, sandbox=limits)
        self.loader = RegistryLoader(Registry.from_settings(self.settings), limits=limits,
                                     hook_timeout=self.settings.hook_timeout_seconds,
                                     state_dir=self.settings.state_dir)
        self.engine: Engine | None = None
        self.swaps: SwapManager | None = None

    def start(self, spec: str = "hostile==6.6.6") -> Engine:
        settings = self.settings
        feed = SyntheticFeed(settings.markets, seed=settings.seed)
        clock = ManualClock(T0)
        broker = PaperBroker(settings.state_dir / "paper_broker.sqlite", settings.paper, outcome_lookup(feed, clock))
        journal = Journal(settings.state_dir / "journal.sqlite")
        active = self.loader.load(spec)
        self.engine = Engine(settings=settings, feed=feed, broker=broker, journal=journal, clock=clock,
                             active=active)
        self.engine.recover(T0)
        return self.engine

    def swap_to(self, spec: str | None, kind: str = "activate") -> str | None:
        """Activate ``spec`` (or roll back: ``kind="rollback"``, ``spec`` None for the previous version)
        through the real swap manager (probation, auto-rollback); the refusal or None."""
        assert self.engine is not None
        if self.swaps is None:
            self.swaps = SwapManager(self.engine, self.loader, probation_batches=30)
            connect(self.engine, swaps=self.swaps)
        out: list[str | None] = []
        self.swaps.request(kind=kind, spec=spec, generation=1, done=out.append)  # type: ignore[arg-type]
        assert self.swaps.wait_prepared(60)
        self.swaps.tick(self.engine)
        return out[0] if out else None

    def attack(self, seconds: int = 900) -> dict[str, Any]:
        """Trade ``seconds`` of candles (the attack runs on the first); the strategy's own account."""
        assert self.engine is not None
        advance(self.engine, seconds)
        state = self.engine.active.runner.export_state() or {}
        return dict(state.get("results") or {}) | {"_leak": state.get("leak"), "_n": state.get("n")}

    def orders(self) -> int:
        assert self.engine is not None
        return len(self.engine.journal.query("SELECT client_order_id FROM orders"))

    def assert_keeps_trading_with_money_intact(self) -> None:
        """More candles trade after the attack, and the journal on disk rebuilds the same ledger."""
        assert self.engine is not None
        before = self.orders()
        advance(self.engine, 900)
        assert self.orders() > before, "the host stopped trading after the attack"
        on_disk = Journal(self.settings.state_dir / "journal.sqlite")
        try:
            rebuilt = Ledger.from_journal(on_disk)
        finally:
            on_disk.close()
        assert rebuilt.balance == pytest.approx(self.engine.ledger.balance)
        assert len(rebuilt.positions) == len(self.engine.ledger.positions)

    def close(self) -> None:
        if self.swaps is not None:
            self.swaps.close()
        if self.engine is not None:
            self.engine.active.runner.close()
            self.engine.journal.close()


def failed(results: dict[str, Any], *names: str) -> None:
    """Every named attempt ran and failed (by the strategy's own account; the tests check effects too)."""
    for name in names:
        assert str(results.get(name, "")).startswith("failed"), f"{name}: {results.get(name)!r}"


def tree_of(pid: int) -> list[int]:
    from liveswap.sandbox.treewatch import tree as _tree

    return _tree(pid)


def running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


