"""Wald's sequential probability ratio test comparing two win rates, exact for Bernoulli bets.

The formulation is Wald's own for two proportions (*Sequential Analysis*, 1947, ch. 6): the
candidate's i-th settled bet is paired with the active version's i-th settled bet over the same
candles. A pair where both won or both lost says nothing about which is better; in a *discordant*
pair (exactly one won) the candidate is the winner with probability

    theta = p_c (1 - p_a) / (p_c (1 - p_a) + p_a (1 - p_c)) = u / (1 + u),

where ``u = odds(p_c) / odds(p_a)`` is the odds ratio. That is a plain Bernoulli trial whose
success probability depends on ``u`` only, not on the unknown common level of the win rates, so
the SPRT on discordant pairs is exact (no estimated baseline enters the likelihood):

* H0: ``u = 1`` (the candidate is no better, ``theta0 = 1/2``) -- accepting it *rejects* the
  candidate; H1: ``u = u1 > 1`` (better by the declared minimum effect) -- accepting it promotes.
* ``alpha`` = P(accept H1 | H0), the false-promotion rate; ``beta`` = P(accept H0 | H1), the
  false-rejection rate. Wald's boundaries on the log likelihood ratio: ``log((1-beta)/alpha)``
  above, ``log(beta/(1-alpha))`` below (his approximations keep the achieved error rates at or
  below ``alpha/(1-beta)`` and ``beta/(1-alpha)``; the benchmark prints the achieved ones).

The declared minimum effect is in win-rate points at a baseline (0.50 on these markets):
``u1 = odds(baseline + effect) / odds(baseline)``. The operating characteristic and the expected
number of discordant pairs to a decision (ASN) use Wald's approximations, from any point of the
walk, which is what "a decision in about N bets" reports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

Decision = Literal["h0", "h1"]


def odds(p: float) -> float:
    return p / (1.0 - p)


def odds_ratio_for(baseline: float, effect: float) -> float:
    """The odds ratio that a win-rate lift of ``effect`` at ``baseline`` amounts to."""
    if not 0 < baseline < 1 or not 0 < baseline + effect < 1 or effect <= 0:
        raise ValueError(f"need 0 < baseline < baseline + effect < 1, got {baseline} and {effect}")
    return odds(baseline + effect) / odds(baseline)


def discordant_theta(p_candidate: float, p_active: float) -> float | None:
    """P(candidate wins | exactly one of a pair won), or None if discordance is impossible."""
    a = p_candidate * (1 - p_active)
    b = p_active * (1 - p_candidate)
    return None if a + b <= 0 else a / (a + b)


@dataclass(frozen=True, slots=True)
class SprtDesign:
    """The declared test: error rates and the odds ratio ``u1`` of the alternative."""

    alpha: float
    beta: float
    odds_ratio: float

    def __post_init__(self) -> None:
        if not (0 < self.alpha < 0.5 and 0 < self.beta < 0.5):
            raise ValueError("alpha and beta must be in (0, 0.5)")
        if self.odds_ratio <= 1:
            raise ValueError("the alternative's odds ratio must be above 1")

    @property
    def theta1(self) -> float:
        return self.odds_ratio / (1 + self.odds_ratio)

    @property
    def upper(self) -> float:
        """Log likelihood ratio at or above which H1 is accepted (promote)."""
        return math.log((1 - self.beta) / self.alpha)

    @property
    def lower(self) -> float:
        """Log likelihood ratio at or below which H0 is accepted (reject)."""
        return math.log(self.beta / (1 - self.alpha))

    @property
    def win_step(self) -> float:
        """LLR increment of a discordant pair the candidate won."""
        return math.log(self.theta1 / 0.5)

    @property
    def loss_step(self) -> float:
        """LLR increment of a discordant pair the candidate lost (negative)."""
        return math.log((1 - self.theta1) / 0.5)

    def llr(self, wins: int, losses: int) -> float:
        return wins * self.win_step + losses * self.loss_step

    def decide(self, llr: float) -> Decision | None:
        if llr >= self.upper - 1e-12:
            return "h1"
        if llr <= self.lower + 1e-12:
            return "h0"
        return None

    def _h(self, theta: float) -> float:
        """The non-zero root h of ``theta*e^(h*w) + (1-theta)*e^(h*l) = 1`` (Wald's OC parameter)."""
        w, lo = self.win_step, self.loss_step
        drift = theta * w + (1 - theta) * lo
        if abs(drift) < 1e-12:
            return 0.0

        def f(h: float) -> float:
            return theta * math.exp(h * w) + (1 - theta) * math.exp(h * lo) - 1

        sign = 1.0 if drift < 0 else -1.0  # the root lies opposite to the drift
        hi = sign
        while f(hi) < 0 and abs(hi) < 1e6:
            hi *= 2
        lo_h = sign * 1e-9
        for _ in range(200):
            mid = (lo_h + hi) / 2
            if f(mid) < 0:
                lo_h = mid
            else:
                hi = mid
        return (lo_h + hi) / 2

    def oc(self, theta: float, start: float = 0.0) -> float:
        """P(accept H0) when the candidate wins a discordant pair with probability ``theta``."""
        a, b = self.upper - start, self.lower - start
        if a <= 0:
            return 0.0
        if b >= 0:
            return 1.0
        h = self._h(theta)
        if h == 0.0:
            return a / (a - b)
        # (e^{ha} - 1) / (e^{ha} - e^{hb}), written to avoid overflow for large |h|
        if h > 0:
            return (1 - math.exp(-h * a)) / (1 - math.exp(h * (b - a)))
        return (math.exp(h * a) - 1) / (math.exp(h * a) - math.exp(h * b))

    def asn(self, theta: float, start: float = 0.0) -> float:
        """Expected discordant pairs from a walk at ``start`` to a decision (Wald's approximation)."""
        a, b = self.upper - start, self.lower - start
        if a <= 0 or b >= 0:
            return 0.0
        w, lo = self.win_step, self.loss_step
        drift = theta * w + (1 - theta) * lo
        if abs(drift) < 1e-9:
            second = theta * w * w + (1 - theta) * lo * lo
            return -a * b / second
        p_h0 = self.oc(theta, start)
        return max(0.0, (p_h0 * b + (1 - p_h0) * a) / drift)


@dataclass(slots=True)
class PairedOutcomes:
    """Pairs the candidate's i-th settled bet with the active version's i-th, as they arrive."""

    pairs: int = 0
    wins: int = 0  # discordant pairs the candidate won
    losses: int = 0  # discordant pairs the candidate lost
    waiting_candidate: list[bool] = field(default_factory=list)
    waiting_active: list[bool] = field(default_factory=list)

    def add(self, *, candidate: list[bool] | None = None, active: list[bool] | None = None) -> None:
        self.waiting_candidate.extend(candidate or [])
        self.waiting_active.extend(active or [])
        n = min(len(self.waiting_candidate), len(self.waiting_active))
        for c, a in zip(self.waiting_candidate[:n], self.waiting_active[:n], strict=True):
            self.pairs += 1
            if c and not a:
                self.wins += 1
            elif a and not c:
                self.losses += 1
        del self.waiting_candidate[:n]
        del self.waiting_active[:n]

    @property
    def discordant(self) -> int:
        return self.wins + self.losses

    def to_dict(self) -> dict[str, Any]:
        return {"pairs": self.pairs, "wins": self.wins, "losses": self.losses,
                "waiting_candidate": [int(x) for x in self.waiting_candidate],
                "waiting_active": [int(x) for x in self.waiting_active]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PairedOutcomes:
        return cls(int(data["pairs"]), int(data["wins"]), int(data["losses"]),
                   [bool(x) for x in data.get("waiting_candidate", [])],
                   [bool(x) for x in data.get("waiting_active", [])])
