"""Live decision latency of the active version, with and without a shadow candidate.

Both versions are real wheels run in sandboxed workers (the production path), on the nine
synthetic markets. For every batch it measures

* **decision latency**: from the batch entering the engine to its orders sent and journaled
  (``Engine.process_batch``): what the shadow must never slow down;
* **between batches**: the callbacks after it (here only the rollout's tick: the shadow deciding
  the same batch, filling it hypothetically, journaling it) -- the time a live host has free
  before the next batch closes (5 minutes of market time; one second at the default 300x);

first with no candidate, then with the same strategy shadowing as a candidate (it decides on its
own thread: the between-batches time is only the hand-over).

Then a **catch-up** of 10 batches back to back (a host after a restart, or a feed that was late):
the time the active version takes to decide and send all ten, with no candidate and with a
deliberately slow shadow (40 ms per candle), and how long after that the slow shadow took to
decide the same ten batches on its own thread.

Run: ``.venv/bin/python benchmarks/bench_shadow_latency.py [--batches N]``. Prints, asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _common import NAME, THRESHOLD_STRATEGY, batches, paper_engine, pct, threshold_wheel  # noqa: E402
from liveswap.home.control import CandidateRequest  # noqa: E402
from liveswap.host import connect, make_loader  # noqa: E402
from liveswap.rollout.controller import RolloutController  # noqa: E402
from liveswap.settings import load_settings  # noqa: E402
from liveswap.swap.manager import SwapManager  # noqa: E402
from loguru import logger  # noqa: E402

from tests.support.wheelkit import make_wheel  # noqa: E402

RISE = 0.0005  # the strategy bets up after a close 0.05 % above the last one
HOOK = "    def on_candle(self, candle, ctx):\n"
SLOW = THRESHOLD_STRATEGY.format(rise=RISE).replace(HOOK, HOOK + "        import time; time.sleep(0.04)\n")


class Host:
    """One engine on its own home, sandboxed active version, optionally shadowing a candidate."""

    def __init__(self, tmp: Path, shadow: bool, *, slow: bool = False, name: str = "") -> None:
        home = tmp / (name or ("shadow" if shadow else "plain"))
        threshold_wheel(home / "registry", "1.0.0", RISE)
        if slow:
            make_wheel(home / "registry", f"{NAME}-strategy", "2.0.0", ep=NAME, module=f"{NAME}_strategy", body=SLOW)
        else:
            threshold_wheel(home / "registry", "2.0.0", RISE)
        settings = load_settings(home, risk={"daily_loss_limit": 1e6, "max_open_positions": 1000})
        settings.state_dir.mkdir(parents=True, exist_ok=True)
        loader = make_loader(settings)
        self.engine = paper_engine(settings, loader.load("bench==1.0.0"))
        self.clock = self.engine.clock
        swaps = SwapManager(self.engine, loader, probation_batches=0)
        self.rollouts = RolloutController(self.engine, loader, swaps)
        connect(self.engine, swaps=swaps, rollouts=self.rollouts)
        if shadow:
            self.rollouts.request(CandidateRequest(spec="bench==2.0.0", request=1), generation=1,
                                  done=lambda reason: None)
            self.rollouts.wait_prepared(60)
            self.engine.between_batches()
            assert self.rollouts.slot is not None, "the candidate did not start"
        self.decide: list[float] = []
        self.between: list[float] = []

    def batch(self, end: int, candles: list) -> None:  # type: ignore[type-arg]
        self.clock.t = end  # type: ignore[attr-defined]  # a ManualClock
        t0 = time.perf_counter()
        self.engine.process_batch(end, candles, now=end)
        t1 = time.perf_counter()
        self.engine.between_batches()
        t2 = time.perf_counter()
        self.decide.append((t1 - t0) * 1000)
        self.between.append((t2 - t1) * 1000)

    def close(self) -> None:
        self.rollouts.close()
        self.engine.active.runner.close()
        self.engine.journal.close()


def main(argv: list[str] | None = None) -> dict[str, tuple[float, float, float, float]]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=400)
    args = parser.parse_args(argv)
    logger.remove()
    print(f"decision latency of the active version, 9 synthetic markets, {args.batches} batches, sandboxed workers")
    print(f"{'':22} {'decision p50':>13} {'p99':>8} {'between p50':>12} {'p99':>8}   (ms)")
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        hosts = {"no candidate": Host(Path(tmp), False), "shadow candidate": Host(Path(tmp), True)}
        for i, (end, batch) in enumerate(batches(hosts["no candidate"].engine, args.batches)):
            order = list(hosts.values()) if i % 2 == 0 else list(hosts.values())[::-1]  # same noise for both
            for host in order:
                host.batch(end, batch)
        hosts["shadow candidate"].rollouts.wait_caught_up(60)
        slot = hosts["shadow candidate"].rollouts.slot
        assert slot is not None and slot.cursor == hosts["shadow candidate"].engine.cursor
        for label, host in hosts.items():
            row = (statistics.median(host.decide), pct(host.decide, 0.99), statistics.median(host.between),
                   pct(host.between, 0.99))
            out[label] = row
            print(f"{label:22} {row[0]:13.2f} {row[1]:8.2f} {row[2]:12.2f} {row[3]:8.2f}")
        print(f"the shadow decided {len(slot.decide_ms)} batches itself, on its own thread: p50 "
              f"{statistics.median(slot.decide_ms):.2f} ms a batch")
        for host in hosts.values():
            host.close()
        out.update(catch_up(Path(tmp)))
    return out


def catch_up(tmp: Path) -> dict[str, tuple[float, float, float, float]]:
    """Ten batches back to back, with no candidate and with a slow shadow (40 ms per candle)."""
    hosts = {"catch-up, no candidate": Host(tmp, False, name="plain-catchup"),
             "catch-up, slow shadow": Host(tmp, True, slow=True, name="slow-catchup")}
    tape = batches(hosts["catch-up, no candidate"].engine, 12)
    first = len(tape) - 10
    for host in hosts.values():
        for end, batch in tape[:2]:
            host.batch(end, batch)
        host.rollouts.wait_caught_up(60)
        host.decide.clear()
        host.between.clear()
    out: dict[str, tuple[float, float, float, float]] = {}
    print("\na catch-up of 10 batches back to back (the active version's decisions and orders, all ten)")
    for label, host in hosts.items():
        t0 = time.perf_counter()
        for end, batch in tape[first:]:
            host.batch(end, batch)
        total = (time.perf_counter() - t0) * 1000
        host.rollouts.wait_caught_up(120)
        behind = (time.perf_counter() - t0) * 1000
        out[label] = (total, behind, statistics.median(host.decide), statistics.median(host.between))
        shadow = f"; the slow shadow had decided them too {behind:.0f} ms after the start" if host.rollouts.slot \
            else ""
        print(f"{label:26} {total:8.0f} ms for ten batches (decision p50 {out[label][2]:.2f} ms, between batches "
              f"p50 {out[label][3]:.2f} ms){shadow}")
    for host in hosts.values():
        host.close()
    return out


if __name__ == "__main__":
    main()
