"""A confidence sequence for the mean of bounded observations, by betting (streaming, exact to float).

Waudby-Smith and Ramdas, "Estimating means of bounded random variables by betting" (JRSS B,
2024), section 4: for observations ``x_i`` in ``[-B, B]`` whose conditional mean is ``m``, the
capital of a gambler who bets a predictable fraction ``lambda_i`` on ``x_i > m``,

    K+_t(m) = prod_{i<=t} (1 + lambda_i(m) (x_i - m)),

is a nonnegative martingale (a supermartingale when the mean is below ``m``), so by Ville's
inequality it ever reaches ``1/alpha`` with probability at most ``alpha``, however often it is
looked at. The lower bound of the sequence at time ``t`` is the smallest ``m`` at which the
capital is still below ``1/alpha``; the upper bound is the same with the bet reversed
(``K-_t(m) = prod (1 - lambda_i(m)(x_i - m))``) at its own level ``beta``. Each side is one-sided
(false promotion is only about the lower bound): together ``[lower, upper]`` covers the mean at
every time with probability at least ``1 - alpha - beta``.

The bet sizes are the paper's predictable plug-in (its "PrPl-EB" rule, eq. 26), with the
variance estimated from the past only:

    lambda_t = sqrt(2 log(1/level) / (sigma2_{t-1} t log(1 + t))),
    truncated at c / (B + m) (K+) or c / (B - m) (K-), c = 1/2,

so every factor stays above 1/2 whatever ``x_i`` in ``[-B, B]`` comes (the truncation is the
paper's too). ``lambda`` does not depend on ``m`` but through the truncation, and each factor
falls (K+) or rises (K-) with ``m``: the capital is monotone in ``m``, so a bound is found by
bisection and "the lower bound clears ``e``" is exactly "``K+_t(e) >= 1/alpha``" -- which is
kept up to date in O(1) per observation at the two declared thresholds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

TRUNCATION = 0.5
PRIOR_VARIANCE_SHARE = 1 / 16  # sigma2_0 = (B/4)^2: a prior weight of one observation
BISECTION_STEPS = 40


@dataclass(slots=True)
class BettingSequence:
    """Observations in ``[-bound, bound]``; one-sided levels ``alpha`` (lower) and ``beta`` (upper)."""

    bound: float
    alpha: float
    beta: float
    xs: list[float] = field(default_factory=list)
    rates: list[float] = field(default_factory=list)  # untruncated lambda_t, one per observation
    total: float = 0.0
    squares: float = 0.0  # sum of (x_i - mean_{i-1})^2, the plug-in variance's numerator

    def __post_init__(self) -> None:
        if not self.bound > 0 or not math.isfinite(self.bound):
            raise ValueError(f"bound must be a positive number, got {self.bound}")
        for name in ("alpha", "beta"):
            level = getattr(self, name)
            if not 0 < level < 1:
                raise ValueError(f"{name} must be in (0, 1), got {level}")

    @property
    def count(self) -> int:
        return len(self.xs)

    @property
    def mean(self) -> float | None:
        return self.total / self.count if self.xs else None

    def _variance(self) -> float:
        prior = PRIOR_VARIANCE_SHARE * self.bound * self.bound
        return max((prior + self.squares) / (self.count + 1), 1e-12)

    def rate(self) -> float:
        """The bet size for the next observation (before it is seen) without its level: the PrPl rule's
        ``sqrt(2 / (sigma2 t log(1 + t)))``; each side multiplies it by ``sqrt(log(1/level))``."""
        t = self.count + 1
        return math.sqrt(2 / (self._variance() * t * math.log(1 + t)))

    def add(self, x: float) -> float:
        """Take one observation (clipped into ``[-bound, bound]``); returns the value used."""
        if not math.isfinite(x):
            raise ValueError(f"not a finite observation: {x!r}")
        x = min(self.bound, max(-self.bound, x))
        predicted = self.total / (self.count + 1)  # the plug-in mean, prior 0
        self.rates.append(self.rate())
        self.xs.append(x)
        self.total += x
        self.squares += (x - predicted) ** 2
        return x

    # ---- the capital at one m, and the bounds --------------------------------------------------

    def step_up(self, x: float, rate: float, m: float) -> float:
        """log of one K+ factor at ``m`` (``rate`` as :meth:`rate` gave it)."""
        lam = min(rate * math.sqrt(math.log(1 / self.alpha)), TRUNCATION / (self.bound + m))
        return math.log1p(lam * (x - m))

    def step_down(self, x: float, rate: float, m: float) -> float:
        """log of one K- factor at ``m``."""
        lam = min(rate * math.sqrt(math.log(1 / self.beta)), TRUNCATION / (self.bound - m))
        return math.log1p(-lam * (x - m))

    def log_capital_up(self, m: float) -> float:
        return math.fsum(self.step_up(x, r, m) for x, r in zip(self.xs, self.rates, strict=True))

    def log_capital_down(self, m: float) -> float:
        return math.fsum(self.step_down(x, r, m) for x, r in zip(self.xs, self.rates, strict=True))

    def lower(self) -> float:
        """The smallest mean not rejected by K+ at level alpha (``-bound`` with no evidence)."""
        return self._edge(self.log_capital_up, math.log(1 / self.alpha), upper=False)

    def upper(self) -> float:
        """The largest mean not rejected by K- at level beta (``bound`` with no evidence)."""
        return self._edge(self.log_capital_down, math.log(1 / self.beta), upper=True)

    def _edge(self, log_capital: Callable[[float], float], threshold: float, *, upper: bool) -> float:
        """Bisection for the edge of the set of means ``m`` with ``log_capital(m) < threshold``: the
        capital rises towards that edge's far side (K+ below the lower bound, K- above the upper one)."""
        lo, hi = -self.bound * (1 - 1e-9), self.bound * (1 - 1e-9)
        if log_capital(hi if upper else lo) < threshold:
            return self.bound if upper else -self.bound
        for _ in range(BISECTION_STEPS):
            mid = (lo + hi) / 2
            if (log_capital(mid) >= threshold) == upper:
                hi = mid
            else:
                lo = mid
        return hi if upper else lo

    def state(self) -> dict[str, Any]:
        return {"xs": list(self.xs), "rates": list(self.rates), "total": self.total, "squares": self.squares}

    @classmethod
    def from_state(cls, *, bound: float, alpha: float, beta: float, data: dict[str, Any]) -> BettingSequence:
        return cls(bound, alpha, beta, [float(x) for x in data["xs"]], [float(r) for r in data["rates"]],
                   float(data["total"]), float(data["squares"]))
