"""Backtest tests' helpers: strategies as registry wheels, replay CSVs, the CLI's JSON result."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from liveswap.feeds.csv_replay import write_candles
from liveswap.feeds.synthetic import SyntheticFeed
from liveswap.markets import DEFAULT_MARKETS

from tests.support.host import BIN
from tests.support.wheelkit import make_wheel

T0 = 1_764_000_000 // 3600 * 3600

LEDGER_SENSITIVE = '''
from liveswap.api import Intent, hookimpl


class Strategy:
    """Bets depend on every hook: fills and settlements seen, the balance and open positions in its
    context, its params -- any difference in hook order or context shows up in its bets."""

    def __init__(self):
        self.base, self.fills, self.settles, self.pnl, self.seen = 3.0, 0, 0, 0.0, 0

    @hookimpl
    def setup(self, params):
        self.base = float(params.get("stake", 3.0))

    @hookimpl
    def on_fill(self, fill):
        self.fills += 1

    @hookimpl
    def on_settle(self, settlement):
        self.settles += 1
        self.pnl += settlement.pnl

    @hookimpl
    def on_candle(self, candle, ctx):
        self.seen += 1
        if ctx.open_positions or (self.seen + self.fills + self.settles) % 3:
            return []
        side = "up" if (candle.close >= candle.open) != (self.pnl < 0) else "down"
        stake = round(min(5.0, self.base + ctx.balance % 1.0), 2)
        return [Intent(candle.market, side, stake, 0.55 if self.settles % 4 == 0 else None)]
'''

FAVOURITE = '''
from liveswap.api import Intent, hookimpl


class Strategy:
    @hookimpl
    def on_candle(self, candle, ctx):
        if candle.up_price is None:
            return []
        return [Intent(candle.market, "up" if candle.up_price >= 0.5 else "down", 2.0)]
'''

LONGSHOT = FAVOURITE.replace('"up" if candle.up_price >= 0.5 else "down"', '"down" if candle.up_price >= 0.5 else "up"')

FAULTY = '''
from liveswap.api import Intent, hookimpl


class Strategy:
    def __init__(self):
        self.seen = 0

    @hookimpl
    def on_candle(self, candle, ctx):
        self.seen += 1
        if self.seen == 40:
            raise RuntimeError("boom at candle 40")
        return [Intent(candle.market, "up", 1.0)] if self.seen % 7 == 0 else []
'''


def add_strategy(home: Path, name: str, body: str, version: str = "1.0.0") -> str:
    """A wheel of strategy ``name`` in ``home``'s registry; returns its spec."""
    make_wheel(home / "registry", f"{name}-strategy", version, ep=name, module=f"{name}_strategy", body=body)
    return f"{name}=={version}"


def synthetic_csv(path: Path, hours: float, *, seed: int = 7, start: int = T0, drop_every: int = 0) -> Path:
    """Nine synthetic markets for ``hours``; ``drop_every``: every n-th candle left out (data gaps:
    a bet on a window whose candle is missing never settles, live or backtested)."""
    feed = SyntheticFeed(list(DEFAULT_MARKETS), seed=seed)
    candles = feed.closed_candles(start, start + int(hours * 3600))
    write_candles(path, [c for i, c in enumerate(candles, 1) if not drop_every or i % drop_every])
    return path


def backtest(env: dict[str, str], *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "liveswap"), "backtest", *args], env=env, capture_output=True, text=True,
                          timeout=timeout)


def backtest_json(env: dict[str, str], *args: str) -> dict[str, Any]:
    done = backtest(env, *args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)  # type: ignore[no-any-return]
