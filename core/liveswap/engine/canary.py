"""A canary: a candidate version trading for real on some markets while the active one trades the rest.

The engine pulls one from the rollout (``Steering.canary``, declared by the host); :func:`decide_split` is
how the engine decides a batch then: the active version decides the candles of its markets (with
the swap's fault handling), the canary those of its own, each hears only of its own fills and
settlements (told apart by version), and a canary fault spoils only its candles, never the
host. The engine then refuses any intent for a market the other version trades and applies one
set of risk limits to both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from loguru import logger

from liveswap.api import Candle, Context, Intent
from liveswap.engine.active import ActiveStrategy
from liveswap.engine.intents import MAX_INTENTS_PER_BATCH, Rejected, validate_batch
from liveswap.engine.ledger import to_fill, to_settlement
from liveswap.journal import FillRow, SettlementRow
from liveswap.markets import Market
from liveswap.runners import Batch, StrategyFault

Validated = list[tuple[list[Intent], list[Rejected]]]
Decide = Callable[[list[Candle], int, list[FillRow], list[SettlementRow]], tuple[ActiveStrategy, Validated, str | None]]


@dataclass(frozen=True, slots=True)
class Canary:
    """A candidate version trading for real on ``markets`` (``liveswap canary``); the active
    version trades every other market."""

    strategy: ActiveStrategy
    markets: frozenset[str]


def decide_split(canary: Canary, candles: list[Candle], batch_end: int, fills: list[FillRow],
                 settlements: list[SettlementRow], *, decide: Decide, context: Callable[[str], Context],
                 markets: dict[str, Market], max_intents: int = MAX_INTENTS_PER_BATCH
                 ) -> tuple[ActiveStrategy, Validated, list[tuple[ActiveStrategy, str | None]], str | None]:
    """``(active, validated outputs, (decider, its fault) per candle, the active version's fault)``."""
    version = canary.strategy.version
    ours = [c for c in candles if c.market not in canary.markets]
    active, validated, fault = decide(ours, batch_end, [f for f in fills if f.version != version],
                                      [s for s in settlements if s.version != version])
    theirs = [c for c in candles if c.market in canary.markets]
    canary_fault: str | None = None
    try:
        outputs = canary.strategy.runner.run_batch(Batch(
            candles=[(c, replace(context(c.market), version=version)) for c in theirs],
            fills=[to_fill(f) for f in fills if f.version == version],
            settlements=[to_settlement(s) for s in settlements if s.version == version],
        )).outputs if theirs else []
        canary_validated, garbage = validate_batch(outputs, len(theirs), markets, batch_end, max_intents=max_intents)
        if garbage is not None:  # the same total validation as the active version's (never raises)
            raise StrategyFault("garbage", f"malformed output: {garbage.reason}")
    except StrategyFault as exc:
        canary_fault = f"{exc.kind}: {exc.reason}"
        logger.error("canary {} faulted: {}", canary.strategy.spec, canary_fault)
        canary_validated = [([], []) for _ in theirs]
    mine, other = iter(validated), iter(canary_validated)
    merged: Validated = []
    deciders: list[tuple[ActiveStrategy, str | None]] = []
    for c in candles:
        if c.market in canary.markets:
            merged.append(next(other))
            deciders.append((canary.strategy, canary_fault))
        else:
            merged.append(next(mine))
            deciders.append((active, fault))
    return active, merged, deciders, fault

