"""How honest is the money judge? Many simulated rollouts of a known edge, judged by the real judge.

Every rollout is nine markets (the host's default) decided batch after batch by two versions,
each filled by the one fill model (:func:`liveswap.brokers.fills.fill`: $5 stakes, whole
contracts, 0.01 slippage, Kalshi's taker fee), settled by the one settlement rule, paired candle
by candle into one observation per batch (the definition of :func:`liveswap.judge.pair_by_batch`)
and judged by :class:`liveswap.judge.Judge` with the default analysis (:class:`AnalysisSpec`:
alpha 0.05, beta 0.05, min_edge 0, margin -0.25 per batch, horizon 2000 batches, bound 5 per
market). The judge is looked at after every batch (continuous monitoring).

Scenarios (the candidate against the active version):

* **equal edge, independent markets** -- both buy at 0.50 and pick the winning side 53% of the
  time, independently per market and per version;
* **equal edge, common factor 0.5 / 0.8** -- the nine markets' outcomes share a common factor
  (Gaussian copula, latent correlation 0.5 or 0.8): the candidate always buys "up", the active
  version always "down", both at 0.50 -- equal money, and batches that move together;
* **favourite vs longshot** -- the active version buys at 0.50 and wins 53%; the candidate buys the
  favourite at 0.75 and wins 72% (it loses money), or the longshot at 0.30 and wins 36% (it makes
  money): win rate and money point opposite ways;
* **a real edge** -- both buy at 0.50; the candidate wins 55%, the active version 52% (a few cents
  per dollar staked);
* **twin** -- the same decisions: every paired difference is exactly zero.

For each it prints the share of rollouts promoted, failed and inconclusive (95% Wilson intervals),
the median batches to a decision, the mean money per dollar of each side, and beside them the
declared rates: promoting a candidate that does not make more money is a false promotion (to
compare with alpha, which must hold in every equal-edge case); the power is the promoted share
where the candidate really makes more.

Run: ``.venv/bin/python benchmarks/bench_rollout_stats.py [--runs N]``. Prints, asserts nothing.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "core"))

from liveswap.brokers.base import OrderRequest  # noqa: E402
from liveswap.brokers.fills import fill, paper_book  # noqa: E402
from liveswap.judge import CandleResult, Judge, pair_by_batch  # noqa: E402
from liveswap.rollout.spec import AnalysisSpec  # noqa: E402
from liveswap.settings import PaperSettings  # noqa: E402

MARKETS = 9
STAKE = Decimal(5)
SPEC = AnalysisSpec()
DESIGN = SPEC.design(MARKETS)
PAPER = PaperSettings()


@dataclass(frozen=True)
class Payoff:
    """What a $5 buy at ``price`` stakes and returns, from the real fill model."""

    staked: Decimal
    win: Decimal  # PnL if the side wins
    loss: Decimal  # PnL if it loses

    @classmethod
    def at(cls, price: str) -> Payoff:
        p = Decimal(price)
        f = fill(OrderRequest("bench", "BTC-5m", "up", STAKE, 0, 300, p, None, 0), paper_book(p), PAPER)
        staked = f.cost + f.fee
        return cls(staked, f.contracts - staked, -staked)

    def per_dollar(self, won: bool) -> float:
        return float((self.win if won else self.loss) / self.staked)


# One batch: ``rng -> [(candidate won, active won)] per market`` and each side's price.
Batch = Callable[[random.Random], list[tuple[bool, bool]]]


def independent(p_cand: float, p_act: float) -> Batch:
    return lambda rng: [(rng.random() < p_cand, rng.random() < p_act) for _ in range(MARKETS)]


def common_factor(rho: float) -> Batch:
    """Candidate buys "up", active "down" on every market; outcomes share a factor of latent correlation rho."""
    a, b = math.sqrt(rho), math.sqrt(1 - rho)

    def batch(rng: random.Random) -> list[tuple[bool, bool]]:
        z = rng.gauss(0, 1)
        ups = [a * z + b * rng.gauss(0, 1) >= 0 for _ in range(MARKETS)]
        return [(up, not up) for up in ups]
    return batch


def twin(p: float) -> Batch:
    def batch(rng: random.Random) -> list[tuple[bool, bool]]:
        wins = [rng.random() < p for _ in range(MARKETS)]
        return [(w, w) for w in wins]
    return batch


@dataclass
class Scenario:
    label: str
    batch: Batch
    cand: Payoff
    act: Payoff
    expect: str  # "equal" (a promotion is false), "better" (power), "worse" (a promotion is false)
    p_cand: float
    p_act: float

    def edge(self) -> tuple[float, float]:
        """Expected PnL per dollar of each side on one market."""
        def ev(pay: Payoff, p: float) -> float:
            return p * pay.per_dollar(True) + (1 - p) * pay.per_dollar(False)
        return ev(self.cand, self.p_cand), ev(self.act, self.p_act)


@dataclass
class Tally:
    verdicts: list[str] = field(default_factory=list)
    batches: list[int] = field(default_factory=list)
    nonzero: int = 0

    def share(self, verdict: str) -> tuple[int, float]:
        k = self.verdicts.count(verdict)
        return k, k / len(self.verdicts)


def rollout(s: Scenario, rng: random.Random, tally: Tally) -> None:
    judge = Judge(DESIGN)
    while judge.verdict == "running":
        diff = 0.0
        for c_won, a_won in s.batch(rng):
            diff += s.cand.per_dollar(c_won) - s.act.per_dollar(a_won)
        tally.nonzero += diff != 0.0
        judge.add(diff)
    tally.verdicts.append(judge.verdict)
    tally.batches.append(judge.batches)


def twin_is_exactly_zero(rng: random.Random, batches: int = 200) -> tuple[int, float]:
    """The twin through the judge's own pairing on exact money: (batches, largest |difference|)."""
    pay = Payoff.at("0.50")
    results = []
    for i in range(batches):
        for m in range(MARKETS):
            won = rng.random() < 0.53
            results.append(CandleResult(f"M{m}-5m", 300 * (i + 1), 300 * (i + 1), pay.staked,
                                        pay.win if won else pay.loss))
    diffs = pair_by_batch(results, list(reversed(results)))  # arrival order does not matter
    return len(diffs), max(abs(d) for d in diffs)


def wilson(k: int, n: int) -> str:
    z, p = 1.96, k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return f"{max(0.0, centre - half):.3f}-{min(1.0, centre + half):.3f}"


def scenarios() -> list[Scenario]:
    half, fav, long_ = Payoff.at("0.50"), Payoff.at("0.75"), Payoff.at("0.30")
    return [
        Scenario("equal edge, independent markets", independent(0.53, 0.53), half, half, "equal", 0.53, 0.53),
        Scenario("equal edge, common factor 0.5", common_factor(0.5), half, half, "equal", 0.5, 0.5),
        Scenario("equal edge, common factor 0.8", common_factor(0.8), half, half, "equal", 0.5, 0.5),
        Scenario("favourite 0.75 wins 72% vs 0.50 wins 53%", independent(0.72, 0.53), fav, half, "worse",
                 0.72, 0.53),
        Scenario("longshot 0.30 wins 36% vs 0.50 wins 53%", independent(0.36, 0.53), long_, half, "better",
                 0.36, 0.53),
        Scenario("real edge: 0.50 wins 55% vs 52%", independent(0.55, 0.52), half, half, "better", 0.55, 0.52),
        Scenario("twin (the same decisions)", twin(0.53), half, half, "equal", 0.53, 0.53),
    ]


def main(argv: list[str] | None = None) -> list[dict[str, object]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=400, help="rollouts per scenario")
    args = parser.parse_args(argv)
    n = args.runs
    print("Rollout statistics: the money judge (betting confidence sequence, one batch = one observation)")
    print(f"declared: alpha {DESIGN.alpha} (false promotion), beta {DESIGN.beta} (false failure), min_edge "
          f"{DESIGN.min_edge:+g}, margin {DESIGN.margin:+g} per batch, horizon {DESIGN.horizon} batches, bound "
          f"{DESIGN.bound:g} ({MARKETS} markets); {n} rollouts per scenario, looked at after every batch")
    print(f"\n{'scenario':42} {'$/$ cand':>8} {'$/$ act':>8} {'promoted (95% CI)':>24} {'failed':>7} "
          f"{'inconcl.':>8} {'median batches':>14}  reading")
    rows: list[dict[str, object]] = []
    began = time.monotonic()
    for k, s in enumerate(scenarios()):
        rng, tally = random.Random(4000 + k), Tally()
        for _ in range(n):
            rollout(s, rng, tally)
        promoted, p_share = tally.share("successful")
        _, f_share = tally.share("failed")
        _, i_share = tally.share("inconclusive")
        decided = [b for v, b in zip(tally.verdicts, tally.batches, strict=True) if v != "inconclusive"]
        median = statistics.median(decided) if decided else None
        ev_c, ev_a = s.edge()
        if s.expect == "better":
            reading = f"power {p_share:.3f}"
        else:
            reading = f"false promotion {p_share:.3f} vs alpha {DESIGN.alpha}"
        if s.label.startswith("twin"):
            reading += f"; non-zero differences: {tally.nonzero}"
        print(f"{s.label:42} {ev_c:+8.4f} {ev_a:+8.4f} {p_share:9.3f} ({wilson(promoted, n):>11}) {f_share:7.3f} "
              f"{i_share:8.3f} {('-' if median is None else f'{median:.0f}'):>14}  {reading}")
        rows.append({"scenario": s.label, "runs": n, "promoted": p_share, "ci_promoted": wilson(promoted, n),
                     "failed": f_share, "inconclusive": i_share, "median_batches": median, "expect": s.expect})
    batches, largest = twin_is_exactly_zero(random.Random(9))
    print(f"\ntwin through pair_by_batch on exact money (results given in reverse order): {batches} batches, "
          f"largest |difference| {largest}")
    print(f"({time.monotonic() - began:.0f} s)")
    return rows


if __name__ == "__main__":
    main()
