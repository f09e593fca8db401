"""Recovery at the crash points tests/engine/test_loop.py does not cover.

A "crash" here is the engine dropped on the floor at a precise point: no final snapshot, no
shutdown, the journal closed as the kernel would close it; the restart is a new engine on the
same home, which is what ``liveswap run`` does after ``kill -9``.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

from liveswap.brokers.base import BrokerError
from liveswap.brokers.paper import PaperBroker
from liveswap.engine.loop import Engine
from liveswap.host import connect
from liveswap.journal import Journal
from liveswap.settings import PaperSettings
from liveswap.swap.loader import InProcessLoader
from liveswap.swap.manager import SwapManager

from tests.support.engine_helpers import CrashAfterSend, advance, make_engine, money_invariant, probe_version


def crash(engine: Engine) -> None:
    """What kill -9 leaves: the journal as committed, the snapshot as last written, nothing else."""
    engine.flush_snapshot()
    engine.journal.close()


def state_of(engine: Engine) -> dict[str, Any]:
    state = engine.active.runner.export_state()
    assert state is not None
    return state


def decided(engine: Engine) -> list[tuple[str, int]]:
    return [(r[0], r[1]) for r in engine.journal.query("SELECT market, candle_start FROM decisions")]


def delivered_fills(engine: Engine) -> set[str]:
    return {r[0] for r in engine.journal.query("SELECT client_order_id FROM fills WHERE delivered_batch IS NOT NULL")}


# ---- a fill journaled, the strategy not yet told -------------------------------------------------

def test_fill_journaled_before_the_strategy_heard_of_it_is_delivered_exactly_once(home: Path) -> None:
    engine = make_engine(home, snapshot_seconds=3600)
    advance(engine, 1800)
    engine.take_snapshot(wait=True)  # the restart resumes from here and replays what follows
    advance(engine, 600)
    unheard = {r["client_order_id"] for r in engine.journal.undelivered()[0]}
    assert unheard  # the last batch's fills: journaled, due to the strategy with the next batch
    assert not unheard & set(state_of(engine)["fills"])
    crash(engine)

    again = make_engine(home, t=engine.clock.now(), snapshot_seconds=3600)
    assert not unheard & set(state_of(again)["fills"])  # replay does not hand them over early
    advance(again, 300)
    heard = Counter(state_of(again)["fills"])
    assert unheard <= set(heard)
    assert all(n == 1 for n in heard.values()), [k for k, n in heard.items() if n > 1]
    assert set(heard) == delivered_fills(again)


def test_fill_placed_but_not_journaled_is_heard_exactly_once(home: Path) -> None:
    paper = PaperBroker(home / "state" / "paper_broker.sqlite", PaperSettings())
    engine = make_engine(home, broker=CrashAfterSend(paper))
    advance(engine, 300)
    crash(engine)
    again = make_engine(home, t=engine.clock.now())
    advance(again, 900)
    heard = Counter(state_of(again)["fills"])
    assert heard and all(n == 1 for n in heard.values())
    assert set(heard) == delivered_fills(again)
    assert {r[0] for r in paper._db.execute("SELECT client_order_id FROM paper_book")} == {
        r[0] for r in again.journal.query("SELECT client_order_id FROM orders")}


# ---- a settlement computed by the broker, not journaled ------------------------------------------

class SettleThenCrash:
    """A paper broker whose settlement pass commits at the venue, then the host dies."""

    name = "paper"

    def __init__(self, inner: PaperBroker) -> None:
        self.inner = inner

    def submit(self, order: Any) -> Any:
        return self.inner.submit(order)

    def lookup(self, coid: str) -> Any:
        return self.inner.lookup(coid)

    def settlements(self, *args: Any) -> Any:
        self.inner.settlements(*args)
        raise BrokerError("host died after the broker settled")

    def close(self) -> None:
        self.inner.close()


def test_settlement_made_at_the_broker_but_not_journaled_is_journaled_once(home: Path) -> None:
    paper = PaperBroker(home / "state" / "paper_broker.sqlite", PaperSettings())
    engine = make_engine(home, broker=SettleThenCrash(paper))
    advance(engine, 1200)
    settled_at_broker = {r[0] for r in paper._db.execute("SELECT client_order_id FROM paper_book WHERE settled=1")}
    assert settled_at_broker and engine.journal.settlements() == []
    balance_before = engine.ledger.balance
    crash(engine)

    again = make_engine(home, t=engine.clock.now(), broker=paper)
    assert again.ledger.balance == balance_before  # nothing settled yet in the host's books
    advance(again, 300)
    journaled = [r["client_order_id"] for r in again.journal.settlements()]
    assert settled_at_broker <= set(journaled) and len(journaled) == len(set(journaled))
    rows = {r[0]: r[1] for r in paper._db.execute(
        "SELECT client_order_id, payout_micros FROM paper_book WHERE settled=1")}
    assert {r["client_order_id"]: r["payout_micros"] for r in again.journal.settlements()} == rows
    assert again.ledger.balance == money_invariant(again.journal, 1000.0)
    advance(again, 300)
    heard = Counter(state_of(again)["settled"])
    assert settled_at_broker <= set(heard) and all(n == 1 for n in heard.values())


# ---- a crash in the middle of a swap ------------------------------------------------------------

LOADER_SPECS = ("probe==1.0.0", "probe==1.1.0")


def swap_engine(home: Path, **kw: Any) -> tuple[Engine, SwapManager, InProcessLoader]:
    """An engine resumed the way the host resumes one: the journal's last committed version."""
    loader = InProcessLoader({s: probe_version(s.split("==")[1]) for s in LOADER_SPECS})
    journal = Journal(home / "state" / "journal.sqlite")
    history = journal.active_history()
    journal.close()
    spec = history[0] if history else LOADER_SPECS[0]
    engine = make_engine(home, strategy=loader.strategies[spec], version=spec.split("==")[1],
                         snapshot_seconds=3600, **kw)
    if not history:
        engine.journal.record_swap(kind="start", from_version=None, to_version=spec, ok=True,
                                   reason="", batch_end=engine.cursor)
    swaps = SwapManager(engine, loader, probation_batches=2)
    connect(engine, swaps=swaps)
    return engine, swaps, loader


def assert_each_candle_carried_once(engine: Engine) -> None:
    seen = state_of(engine)["seen"]
    keys = [(m, s) for m, s, _ in seen]  # (the probe tags a replayed candle with the replaying version)
    assert len(keys) == len(set(keys)) and set(keys) == set(decided(engine))


def test_crash_after_prepare_before_commit_resumes_the_previous_version(home: Path) -> None:
    engine, swaps, _ = swap_engine(home)
    advance(engine, 1800)
    engine.take_snapshot(wait=True)
    advance(engine, 600)
    swaps.request(kind="activate", spec="probe==1.1.0", generation=1, done=lambda reason: None)
    assert swaps.wait_prepared()  # prepared, never committed: the next tick would have flipped it
    crash(engine)

    again, _, _ = swap_engine(home, t=engine.clock.now())
    assert again.active.spec == "probe==1.0.0"
    advance(again, 900)
    assert {r[0] for r in again.journal.query("SELECT DISTINCT version FROM decisions")} == {"1.0.0"}
    assert_each_candle_carried_once(again)


def test_crash_after_commit_before_any_snapshot_of_the_new_version_resumes_it(home: Path) -> None:
    engine, swaps, _ = swap_engine(home)
    advance(engine, 1800)
    engine.take_snapshot(wait=True)  # the last snapshot the restart will find: of 1.0.0
    advance(engine, 600)
    engine.take_snapshot = lambda **kw: None  # type: ignore[method-assign]  # killed before the commit's snapshot
    outcome: list[str | None] = []
    swaps.request(kind="activate", spec="probe==1.1.0", generation=1, done=outcome.append)
    assert swaps.wait_prepared()
    swaps.tick(engine)
    assert outcome == [None] and engine.active.spec == "probe==1.1.0"
    advance(engine, 600)  # decided by 1.1.0, never snapshotted
    crash(engine)

    again, _, _ = swap_engine(home, t=engine.clock.now())
    assert again.active.spec == "probe==1.1.0"  # the journal's swap row is the persisted active version
    advance(again, 600)
    versions = {r[0] for r in again.journal.query("SELECT DISTINCT version FROM decisions")}
    assert versions == {"1.0.0", "1.1.0"}
    # 1.1.0 carries 1.0.0's snapshot plus the replay of every batch since, each candle once
    assert_each_candle_carried_once(again)


# ---- a power cut: the fsync'd snapshot is newer than the journal's last (NORMAL) batches --------

def test_snapshot_newer_than_the_journal_is_ignored_and_the_journal_replayed(home: Path) -> None:
    engine = make_engine(home, snapshot_seconds=3600)
    advance(engine, 1800)
    engine.desired.paused = True  # batches with decisions and no orders: rows a power cut may take
    advance(engine, 900)
    engine.take_snapshot(wait=True)
    lost_after = engine.journal.last_batch_end() - 600  # type: ignore[operator]
    crash(engine)
    db = sqlite3.connect(home / "state" / "journal.sqlite")
    with db:  # what a power cut takes: the last batches written with synchronous=NORMAL
        db.execute("DELETE FROM decisions WHERE batch_end > ?", (lost_after,))
        db.execute("DELETE FROM candles WHERE end_ts > ?", (lost_after,))
    db.close()

    again = make_engine(home, t=engine.clock.now(), snapshot_seconds=3600)
    seen = [tuple(x) for x in state_of(again)["seen"]]
    assert seen and set(seen) == set(decided(again)) and len(seen) == len(set(seen))
    advance(again, 600)  # the lost batches are decided again, once
    seen = [tuple(x) for x in state_of(again)["seen"]]
    assert len(seen) == len(set(seen)) and set(seen) == set(decided(again))
