"""Measure a sample strategy's edge on the embedded synthetic feed, before and after fees.

    python plugins/measure_edge.py plugins/momentum-1.1.0 --days 20 --seed 11 [--param stake=2]

Loads the project's ``liveswap.strategies`` entry point from its source folder, feeds it every
candle of the default markets for ``--days`` days, fills each intent at the candle's contract
price (``up_price`` for "up", ``1 - up_price`` for "down"; refused above ``max_price``), settles
it on the next window ("up" wins if close >= open) and charges the Kalshi taker fee
``ceil_to_cent(0.07 * C * P * (1 - P))`` per order, with ``C = stake / P`` contracts.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tomllib
from itertools import groupby
from pathlib import Path

from liveswap.api import Candle, Fill, Settlement
from liveswap.feeds.synthetic import SyntheticFeed
from liveswap.markets import DEFAULT_MARKETS, Market
from liveswap.runners.strategy_plugin import load_target
from liveswap.testing import StrategyHarness

DAY = 86_400
START = 1_764_000_000 - 1_764_000_000 % DAY


def taker_fee(stake: float, price: float) -> float:
    contracts = stake / price
    return math.ceil(round(0.07 * contracts * price * (1 - price) * 100, 9)) / 100


def load_strategy(project: Path) -> tuple[str, object]:
    meta = tomllib.loads((project / "pyproject.toml").read_text())
    name, target = next(iter(meta["project"]["entry-points"]["liveswap.strategies"].items()))
    src = project / "src"
    sys.path.insert(0, str(src if src.is_dir() else project))
    return name, load_target(target)


def measure(project: Path, days: int, seed: int, params: dict[str, object], slippage: float = 0.01) -> dict[str, float]:
    name, strategy = load_strategy(project)
    harness = StrategyHarness(strategy, name=name, params=params)
    candles = SyntheticFeed(list(DEFAULT_MARKETS), seed=seed).closed_candles(START, START + days * DAY)
    by_start = {(c.market, c.start): c for c in candles}
    bets = wins = refused = 0
    staked = gross = fees = 0.0
    fills: list[Fill] = []
    settlements: list[Settlement] = []
    for end, group in groupby(candles, key=lambda c: c.end):
        batch: list[Candle] = list(group)
        deciding = {c.market: c for c in batch}
        intents = harness.feed(batch, fills=fills, settlements=settlements)
        fills, settlements = [], []
        for n, intent in enumerate(intents):
            c = deciding[intent.market]
            outcome = by_start.get((intent.market, end))
            if c.up_price is None or outcome is None:
                continue
            quoted = c.up_price if intent.side == "up" else 1 - c.up_price
            price = round(min(0.99, quoted + slippage), 4)
            if intent.max_price is not None and price > intent.max_price:
                refused += 1
                continue
            stake = min(intent.stake, 5.0)
            won = (outcome.close >= outcome.open) == (intent.side == "up")
            fee = taker_fee(stake, price)
            pnl = (stake / price if won else 0.0) - stake
            bets, wins = bets + 1, wins + int(won)
            staked, gross, fees = staked + stake, gross + pnl, fees + fee
            oid = f"{end}-{n}"
            fills.append(Fill(oid, intent.market, intent.side, stake, price, stake / price, end))
            settlements.append(Settlement(oid, intent.market, intent.side, won, stake / price if won else 0.0,
                                          round(pnl - fee, 6), end + Market.parse(intent.market).seconds))
    return {
        "bets": bets,
        "win_rate": round(wins / bets, 4) if bets else 0.0,
        "staked": round(staked, 2),
        "gross_pnl": round(gross, 2),
        "fees": round(fees, 2),
        "net_pnl": round(gross - fees, 2),
        "gross_roi": round(gross / staked, 4) if staked else 0.0,
        "net_roi": round((gross - fees) / staked, 4) if staked else 0.0,
        "refused_above_max_price": refused,
        "rejected": len(harness.rejected),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--slippage", type=float, default=0.01)
    parser.add_argument("--param", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    params = {k: json.loads(v) for k, _, v in (p.partition("=") for p in args.param)}
    result = measure(args.project.resolve(), args.days, args.seed, params, args.slippage)
    print(json.dumps({"project": args.project.name, "days": args.days, "seed": args.seed, "slippage": args.slippage,
                      **result}))


if __name__ == "__main__":
    main()
