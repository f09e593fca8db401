"""How honest are the rollout's statistics? Many simulated rollouts with a known edge.

Two simulations, both deterministic (fixed seeds), both judged by the real analysis
(:class:`liveswap.rollout.AnalysisRun` with the default spec: alpha 0.05, beta 0.20, minimum
effect 0.06 win-rate points at 0.50, min_bets 30, max_bets 3000):

* **feed** -- on the synthetic feed (5-minute markets, real prices): the synthetic feed has no
  strategy of *known* win rate, so each version is an oracle with noise: on every candle it bets
  $1 on the side that will win with probability p (its known edge) and on the other side
  otherwise, independently of the other version. Both versions' bets are filled and settled by
  the hypothetical book (paper prices, slippage, fees), so the figures and PnL are the ones a
  shadow would show; the win/loss sequence is Bernoulli(p) by construction.
* **bernoulli** -- the same judge on bare Bernoulli trials (no prices), cheap enough for many more
  rollouts, so the error rates have tight confidence intervals.

For each scenario it prints the share of rollouts that were promoted (successful), rejected
(failed) and inconclusive, and the median candidate bets to a decision, beside the declared
alpha and beta: promoting an equal or worse candidate is a false promotion (to compare with
alpha); rejecting a candidate that really is 6 points better is a false rejection (beta).

Run: ``.venv/bin/python benchmarks/bench_rollout_stats.py [--rollouts N] [--feed-rollouts N]``.
Prints, asserts nothing.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from liveswap.api.types import Intent  # noqa: E402
from liveswap.brokers.paper import side_won  # noqa: E402
from liveswap.feeds.synthetic import SyntheticFeed  # noqa: E402
from liveswap.markets import Market  # noqa: E402
from liveswap.rollout import AnalysisRun, AnalysisSpec, Comparison  # noqa: E402
from liveswap.rollout.hypothetical import HypotheticalBook  # noqa: E402
from liveswap.settings import PaperSettings, RiskLimits  # noqa: E402

SPEC = AnalysisSpec(min_bets=30, max_bets=3000, alpha=0.05, beta=0.20, min_effect=0.06)
# (label, active win rate, candidate win rate, what a promotion / rejection is)
SCENARIOS = [
    ("equal 0.50 vs 0.50", 0.50, 0.50),
    ("better 0.50 -> 0.56", 0.50, 0.56),
    ("worse 0.56 -> 0.50", 0.56, 0.50),
    ("half the effect 0.50 -> 0.53", 0.50, 0.53),
]
MARKETS = ["BTC-5m", "ETH-5m", "SOL-5m", "XRP-5m", "DOGE-5m"]
T0 = 1_767_225_600  # 2026-01-01 UTC


@dataclass
class Tally:
    promoted: int = 0
    rejected: int = 0
    inconclusive: int = 0
    bets: list[int] | None = None

    def add(self, verdict: str, bets: int) -> None:
        if self.bets is None:
            self.bets = []
        self.bets.append(bets)
        if verdict == "successful":
            self.promoted += 1
        elif verdict == "failed":
            self.rejected += 1
        else:
            self.inconclusive += 1


def bernoulli_rollout(p_active: float, p_cand: float, rng: random.Random) -> tuple[str, int]:
    cmp, run = Comparison.start("cand", "active"), AnalysisRun(SPEC)
    while True:
        cmp.candidate.record_batch(candles=1, fault=False)
        won_c, won_a = rng.random() < p_cand, rng.random() < p_active
        cmp.settle_candidate(won=won_c, pnl=1.0 if won_c else -1.0)
        cmp.settle_active(won=won_a, pnl=1.0 if won_a else -1.0)
        verdict = run.observe(cmp, settled=True)
        if verdict != "running":
            return verdict, cmp.candidate.bets


class FeedTape:
    """Candles of the synthetic feed, computed once and shared by every rollout."""

    def __init__(self, batches: int, seed: int = 7) -> None:
        feed = SyntheticFeed(MARKETS, seed=seed)
        self.batches = [(T0 + 300 * (i + 1), feed.closed_candles(T0 + 300 * i, T0 + 300 * (i + 1)))
                        for i in range(batches + 1)]


def feed_rollout(tape: FeedTape, p_active: float, p_cand: float, rng: random.Random) -> tuple[str, int]:
    markets = {m: Market.parse(m) for m in MARKETS}
    limits = RiskLimits(max_open_positions=100, daily_loss_limit=1e9)
    books = {"cand": HypotheticalBook(name="cand", version="2", paper=PaperSettings(), balance=1e6, markets=markets),
             "active": HypotheticalBook(name="active", version="1", paper=PaperSettings(), balance=1e6,
                                        markets=markets)}
    edge = {"cand": p_cand, "active": p_active}
    cmp, run = Comparison.start("cand", "active"), AnalysisRun(SPEC)
    start = rng.randrange(0, len(tape.batches) - SPEC.max_bets // len(MARKETS) - 2)
    for i in range(start, len(tape.batches) - 1):
        batch_end, candles = tape.batches[i]
        next_candles = {c.market: c for c in tape.batches[i + 1][1]}
        settled = {who: book.settle(now=batch_end, candles=candles) for who, book in books.items()}
        for s in settled["cand"]:
            cmp.settle_candidate(won=s.won, pnl=float(s.pnl))
        for s in settled["active"]:
            cmp.settle_active(won=s.won, pnl=float(s.pnl))
        cmp.candidate.record_batch(candles=len(candles), fault=False)
        cmp.active.record_batch(candles=len(candles), fault=False)
        verdict = run.observe(cmp, settled=bool(settled["cand"]))
        if verdict != "running":
            return verdict, cmp.candidate.bets
        for who, book in books.items():
            decided = []
            for c in candles:
                winner = "up" if side_won(next_candles[c.market], "up") else "down"
                loser = "down" if winner == "up" else "up"
                decided.append([Intent(c.market, winner if rng.random() < edge[who] else loser, 1.0)])
            book.place(batch_end=batch_end, candles=candles, decided=decided, limits=limits)
    return run.terminate(cmp, "tape ended"), cmp.candidate.bets


def ci95(k: int, n: int) -> str:
    """Wilson 95% interval of a proportion, as 'lo-hi'."""
    if n == 0:
        return "-"
    z, p = 1.96, k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return f"{max(0.0, centre - half):.3f}-{min(1.0, centre + half):.3f}"


def report(title: str, results: dict[str, Tally], n: int) -> list[dict[str, object]]:
    print(f"\n{title}: {n} rollouts per scenario; declared alpha {SPEC.alpha}, beta {SPEC.beta}, "
          f"min effect {SPEC.min_effect} (odds ratio {SPEC.design().odds_ratio:.3f}), min_bets {SPEC.min_bets}, "
          f"max_bets {SPEC.max_bets}")
    print(f"{'scenario':32} {'promoted':>9} {'rejected':>9} {'inconcl.':>9} {'median bets':>12} {'p90 bets':>9}  "
          "error rate (95% CI) vs declared")
    rows = []
    for (label, p_a, p_c), tally in zip(SCENARIOS, results.values(), strict=True):
        bets = sorted(tally.bets or [0])
        med, p90 = statistics.median(bets), bets[int(0.9 * (len(bets) - 1))]
        if p_c > p_a + 0.05:
            error = f"false rejection {tally.rejected / n:.3f} ({ci95(tally.rejected, n)}) vs beta {SPEC.beta}"
        elif p_c <= p_a:
            error = f"false promotion {tally.promoted / n:.3f} ({ci95(tally.promoted, n)}) vs alpha {SPEC.alpha}"
        else:
            error = "(between the hypotheses: no error rate is declared)"
        print(f"{label:32} {tally.promoted / n:9.3f} {tally.rejected / n:9.3f} {tally.inconclusive / n:9.3f} "
              f"{med:12.0f} {p90:9d}  {error}")
        expect = "promote" if p_c > p_a + 0.05 else "reject" if p_c <= p_a else "between"
        rows.append({"scenario": label, "n": n, "expect": expect, "promoted": tally.promoted / n,
                     "rejected": tally.rejected / n, "inconclusive": tally.inconclusive / n, "median_bets": med,
                     "ci_promoted": ci95(tally.promoted, n), "ci_rejected": ci95(tally.rejected, n)})
    return rows


def main(argv: list[str] | None = None) -> dict[str, list[dict[str, object]]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rollouts", type=int, default=2000, help="Bernoulli rollouts per scenario")
    parser.add_argument("--feed-rollouts", type=int, default=200, help="synthetic-feed rollouts per scenario")
    args = parser.parse_args(argv)
    design = SPEC.design()
    print("Rollout statistics: Wald's SPRT on discordant pairs (exact for Bernoulli bets)")
    print(f"Wald's expected discordant pairs to a decision: {design.asn(0.5):.0f} under H0, "
          f"{design.asn(design.theta1):.0f} under H1 (about twice as many bets at 0.50 win rates)")
    out: dict[str, list[dict[str, object]]] = {}

    if args.rollouts:
        began = time.monotonic()
        results = {label: Tally() for label, _, _ in SCENARIOS}
        for k, (label, p_a, p_c) in enumerate(SCENARIOS):
            rng = random.Random(1000 + k)
            for _ in range(args.rollouts):
                results[label].add(*bernoulli_rollout(p_a, p_c, rng))
        out["bernoulli"] = report("Bernoulli trials", results, args.rollouts)
        print(f"({time.monotonic() - began:.1f} s)")

    if args.feed_rollouts:
        began = time.monotonic()
        tape = FeedTape(batches=4 * SPEC.max_bets // len(MARKETS))
        results = {label: Tally() for label, _, _ in SCENARIOS}
        for k, (label, p_a, p_c) in enumerate(SCENARIOS):
            rng = random.Random(2000 + k)
            for _ in range(args.feed_rollouts):
                results[label].add(*feed_rollout(tape, p_a, p_c, rng))
        out["feed"] = report("Synthetic feed, hypothetical fills (oracle-with-noise strategies of known edge)",
                             results, args.feed_rollouts)
        print(f"({time.monotonic() - began:.1f} s)")
    return out


if __name__ == "__main__":
    main()
