"""The embedded default feed: synthetic but structured markets, deterministic per candle.

Any candle is a pure function of ``(seed, market, start)``, so a restarted host regenerates
exactly the candles it saw before. How the path is made, per asset:

* **Daily anchors.** The log price at each UTC midnight is a slowly mean-reverting random walk
  (computed once per asset from a fixed origin, cached).
* **Minutes within a day.** 1440 one-minute log increments with AR(1) autocorrelation and an
  hourly drift (trends that momentum can find), scaled by an hourly **volatility regime** (calm / normal / hot), plus
  **jumps**: a jump overshoots, then about half of it reverts over the next 20 minutes. The day
  path is bridged onto the next day's anchor.
* **The "up" contract price** of the window opening at a candle's close lags the underlying and
  over-reacts to the last move: ``0.5 + 0.08*tanh(z_last/2) + 0.05*tanh(z_prev/2) + noise``,
  where ``z`` is a candle's return in units of the window's typical move. The true chance of
  "up" is close to 0.5 plus a small momentum edge, so momentum strategies find a little and
  fading overreactions finds something after large moves.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from functools import cache

from liveswap.api import Candle
from liveswap.markets import Market

MASK = (1 << 64) - 1
DAY = 86_400
ORIGIN_DAY = 18_262  # 2020-01-01 in days since the epoch
MINUTES = 1440

# asset: (price at origin, daily volatility of log price)
ASSETS: dict[str, tuple[float, float]] = {
    "BTC": (60_000.0, 0.030),
    "ETH": (3_000.0, 0.038),
    "SOL": (150.0, 0.050),
    "XRP": (0.60, 0.048),
    "DOGE": (0.15, 0.055),
}
_DEFAULT_ASSET = (100.0, 0.040)
AR = 0.15
TREND = 0.15  # hourly drift, in units of the minute volatility: what momentum can find
JUMP_PROB_PER_5M = 0.012
REGIMES = ((0.70, 0.6), (0.25, 1.0), (0.05, 2.6))  # (probability, volatility multiplier)


def _mix(x: int) -> int:
    """splitmix64 finaliser: a fast, well-spread 64-bit hash."""
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def _key(*parts: int) -> int:
    h = 0x1234567
    for p in parts:
        h = _mix(h ^ (p & MASK))
    return h


def _uniform(*parts: int) -> float:
    """Deterministic uniform in (0, 1)."""
    return ((_key(*parts) >> 11) + 0.5) / float(1 << 53)


def _gauss(*parts: int) -> float:
    """Deterministic standard normal (Box-Muller on two hashed uniforms)."""
    u1 = _uniform(*parts, 1)
    u2 = _uniform(*parts, 2)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


def _asset_id(asset: str) -> int:
    return int.from_bytes(asset.encode()[:8].ljust(8, b"\0"), "little")


class SyntheticMarketModel:
    """Minute log-prices of one asset, deterministic from ``seed``."""

    def __init__(self, seed: int, asset: str) -> None:
        self.seed = seed
        self.asset = asset
        self._aid = _asset_id(asset)
        base, daily_vol = ASSETS.get(asset, _DEFAULT_ASSET)
        self.log_base = math.log(base)
        self.daily_vol = daily_vol
        self.minute_vol = daily_vol / math.sqrt(MINUTES)
        self._anchors: list[float] = [0.0]
        self._days: OrderedDict[int, list[float]] = OrderedDict()

    def _anchor(self, day: int) -> float:
        """Log-price offset at midnight of ``day`` (days since the epoch)."""
        i = max(0, day - ORIGIN_DAY)
        while len(self._anchors) <= i:
            k = len(self._anchors)
            prev = self._anchors[-1]
            self._anchors.append(0.985 * prev + self.daily_vol * _gauss(self.seed, self._aid, 1, k))
        return self._anchors[i]

    def regime(self, hour: int) -> float:
        u = _uniform(self.seed, self._aid, 2, hour)
        for prob, mult in REGIMES:
            if u < prob:
                return mult
            u -= prob
        return REGIMES[-1][1]

    def _day_path(self, day: int) -> list[float]:
        cached = self._days.get(day)
        if cached is not None:
            self._days.move_to_end(day)
            return cached
        inc = [0.0] * MINUTES
        prev = 0.0
        for i in range(MINUTES):
            minute = day * MINUTES + i
            vol = self.minute_vol * self.regime(minute // 60)
            prev = AR * prev + vol * _gauss(self.seed, self._aid, 3, minute)
            inc[i] += prev + TREND * vol * _gauss(self.seed, self._aid, 9, minute // 60)
            if i % 5 == 0 and _uniform(self.seed, self._aid, 4, minute) < JUMP_PROB_PER_5M:
                size = vol * (6.0 + 6.0 * _uniform(self.seed, self._aid, 5, minute))
                size = size if _uniform(self.seed, self._aid, 6, minute) < 0.5 else -size
                inc[i] += size
                back = min(20, MINUTES - 1 - i)
                for j in range(1, back + 1):  # about half of the jump reverts
                    inc[i + j] -= 0.5 * size / 20
        start = self._anchor(day)
        target = self._anchor(day + 1) - start
        walk = [0.0] * (MINUTES + 1)
        level = 0.0
        for i in range(MINUTES):
            level += inc[i]
            walk[i + 1] = level
        correction = walk[MINUTES] - target  # bridge the day onto the next day's anchor
        out = [start + walk[i] - correction * i / MINUTES for i in range(MINUTES + 1)]
        self._days[day] = out
        if len(self._days) > 8:
            self._days.popitem(last=False)
        return out

    def log_price(self, minute: int) -> float:
        """Log price at the start of ``minute`` (minutes since the epoch)."""
        day, i = divmod(minute, MINUTES)
        return self.log_base + self._day_path(day)[i]


class SyntheticFeed:
    """The ``Feed`` of the embedded default: every market of ``markets``, from ``seed``."""

    name = "synthetic"
    first_start: int | None = None
    last_end: int | None = None

    def __init__(self, markets: list[str] | tuple[str, ...], seed: int = 7) -> None:
        self.markets = tuple(markets)
        self.seed = seed
        self._specs = [Market.parse(m) for m in self.markets]
        self._models: dict[str, SyntheticMarketModel] = {}

    def _model(self, asset: str) -> SyntheticMarketModel:
        model = self._models.get(asset)
        if model is None:
            model = self._models[asset] = SyntheticMarketModel(self.seed, asset)
        return model

    def candle(self, market: str, start: int) -> Candle:
        """The candle of ``market`` opening at ``start`` (must be a window boundary)."""
        return self._candle(Market.parse(market), start)

    def _z(self, model: SyntheticMarketModel, spec: Market, start: int) -> float:
        m0, m1 = start // 60, (start + spec.seconds) // 60
        ret = model.log_price(m1) - model.log_price(m0)
        typical = model.minute_vol * math.sqrt(spec.seconds / 60) * model.regime(m0 // 60)
        return ret / typical

    def _candle(self, spec: Market, start: int) -> Candle:
        if start % spec.seconds:
            raise ValueError(f"{spec.name}: {start} is not a window start")
        model = self._model(spec.asset)
        m0, n = start // 60, spec.seconds // 60
        logs = [model.log_price(m0 + i) for i in range(n + 1)]
        prices = [math.exp(x) for x in logs]
        regime = model.regime(m0 // 60)
        volume = (50.0 + 100.0 * _uniform(self.seed, model._aid, 7, start)) * regime * n
        z_last = self._z(model, spec, start)
        z_prev = self._z(model, spec, start - spec.seconds)
        noise = 0.03 * (_uniform(self.seed, model._aid, 8, start, spec.seconds) - 0.5)
        up = 0.5 + 0.08 * math.tanh(z_last / 2) + 0.05 * math.tanh(z_prev / 2) + noise
        return Candle(
            market=spec.name,
            timeframe=spec.timeframe,
            start=start,
            end=start + spec.seconds,
            open=_round_price(prices[0]),
            high=_round_price(max(prices)),
            low=_round_price(min(prices)),
            close=_round_price(prices[-1]),
            volume=round(volume, 4),
            up_price=round(min(0.97, max(0.03, up)), 2),
        )

    def closed_candles(self, since: int, until: int) -> list[Candle]:
        out: list[Candle] = []
        for spec in self._specs:
            first_end = since - since % spec.seconds + spec.seconds
            for end in range(first_end, until + 1, spec.seconds):
                out.append(self._candle(spec, end - spec.seconds))
        out.sort(key=lambda c: (c.end, c.market))
        return out

    def stale_markets(self) -> dict[str, str]:
        """Synthetic data is never stale."""
        return {}

    def close(self) -> None:
        """Nothing to release."""


@cache
def _digits(price_magnitude: int) -> int:
    return max(2, 6 - price_magnitude)


def _round_price(p: float) -> float:
    return round(p, _digits(int(math.log10(p)) if p > 0 else 0))
