"""The engine on the embedded default: trading, money arithmetic, and recovery."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from liveswap.brokers.paper import PaperBroker
from liveswap.journal import Journal, JournalError
from liveswap.journal.store import SettlementRow
from liveswap.settings import PaperSettings

from tests.support.engine_helpers import (
    T0,
    CrashAfterSend,
    NeverSends,
    Probe,
    advance,
    make_engine,
    money_invariant,
    status_json,
)


def test_trades_settles_and_reports(home: Path) -> None:
    engine = make_engine(home)
    advance(engine, 6 * 3600)
    engine.heartbeat()
    st = status_json(home / "state")
    assert st is not None
    assert st["candles_processed"] == 6 * 12 * 5 + 6 * 4 * 4  # 5 markets of 5m, 4 of 15m
    assert st["by_market"] and sum(t["bets"] for t in st["by_market"].values()) > 50
    assert st["balance"] == float(money_invariant(engine.journal, 1000.0))
    assert engine.ledger.balance == money_invariant(engine.journal, 1000.0)
    assert st["realized_pnl"] == float(sum(SettlementRow.from_db(s).pnl for s in engine.journal.settlements()))
    # the probe heard of every fill and every settlement, before deciding later candles
    state = engine.active.runner.export_state()
    assert state is not None
    assert set(state["settled"]) == {s["client_order_id"] for s in engine.journal.settlements()}
    assert all(p["version"] == "1.0.0" for p in st["open_positions"])


def test_every_candle_decided_once_across_restarts(home: Path) -> None:
    engine = make_engine(home, snapshot_seconds=3600)
    advance(engine, 3600)
    engine.take_snapshot(wait=True)
    advance(engine, 1800)  # decided after the snapshot: replayed to the strategy at restart
    engine.journal.close()

    again = make_engine(home, t=engine.clock.now())
    advance(again, 3600)
    seen = again.active.runner.export_state()["seen"]  # type: ignore[index]
    assert len(seen) == len({tuple(x) for x in seen})
    decided = again.journal.query("SELECT market, candle_start FROM decisions")
    assert sorted(map(tuple, seen)) == sorted((r[0], r[1]) for r in decided)


def test_no_snapshot_yet_replays_the_whole_journal(home: Path) -> None:
    engine = make_engine(home)
    advance(engine, 1800)
    engine.journal.close()
    again = make_engine(home, t=engine.clock.now())
    seen = again.active.runner.export_state()["seen"]  # type: ignore[index]
    assert len(seen) == again.journal.query("SELECT COUNT(*) FROM decisions")[0][0]


def test_fill_placed_but_not_journaled_is_recovered_not_resent(home: Path) -> None:
    paper = PaperBroker(home / "state" / "paper_broker.sqlite", PaperSettings())
    crashing = CrashAfterSend(paper, unreachable=True)  # the host dies: nothing asks until it restarts
    engine = make_engine(home, broker=crashing)
    advance(engine, 300)
    unknown = {r["client_order_id"] for r in engine.journal.orders_with_status("unknown")}
    assert crashing.sent and unknown == set(crashing.sent)  # the submit failed: outcome unknown
    assert engine.ledger.positions == {} and set(engine.ledger.open_orders) == unknown  # counted as exposure
    engine.journal.close()

    again = make_engine(home, t=engine.clock.now())
    fills = {f["client_order_id"] for f in again.journal.fills()}
    assert fills == set(crashing.sent)  # reconciled from the broker by client order id
    assert again.journal.orders_with_status("new") == []
    assert set(again.ledger.positions) == set(crashing.sent)
    advance(again, 300)  # the strategy hears of the recovered fills with the next batch
    assert set(crashing.sent) <= set(again.active.runner.export_state()["fills"])  # type: ignore[index]


def test_an_unknown_outcome_is_asked_about_at_once_not_at_the_next_batch(home: Path) -> None:
    """Issue 24, point 7: the submit failed after the venue filled; the host asks between batches, at once."""
    paper = PaperBroker(home / "state" / "paper_broker.sqlite", PaperSettings())
    crashing = CrashAfterSend(paper)
    engine = make_engine(home, broker=crashing)
    advance(engine, 300)  # one batch, and what follows it before the next
    assert crashing.sent and engine.journal.orders_with_status("unknown") == []
    assert {f["client_order_id"] for f in engine.journal.fills()} == set(crashing.sent)  # booked, never resent


def test_order_journaled_but_never_sent_is_stale_not_sent_later(home: Path) -> None:
    paper = PaperBroker(home / "state" / "paper_broker.sqlite", PaperSettings())
    engine = make_engine(home, broker=NeverSends(paper))
    advance(engine, 300)
    unsent = {r["client_order_id"] for r in engine.journal.orders_with_status("unknown")}
    assert unsent
    engine.journal.close()
    again = make_engine(home, t=engine.clock.now())
    assert {r["client_order_id"] for r in again.journal.orders_with_status("stale")} == unsent
    assert all(paper.lookup(c) is None for c in unsent)


class FailsThenAnswers(CrashAfterSend):
    """Places the order, then the connection fails (every submit); lookups work."""


def test_a_failed_submit_counts_as_exposure_and_is_reconciled_during_the_run(home: Path) -> None:
    paper = PaperBroker(home / "state" / "paper_broker.sqlite", PaperSettings())
    broker = FailsThenAnswers(paper)
    engine = make_engine(home, broker=broker, risk={"max_open_positions": 3})
    advance(engine, 300)
    first = set(broker.sent)
    # no restart, no waiting for the next batch: an outcome not known makes the host ask the broker at once
    # (issue 24, point 7); it books their fills before the next batch trades
    assert first and first <= set(engine.ledger.positions) and not engine.ledger.open_orders
    advance(engine, 300)  # (their windows may have settled since: the fills are what counts)
    assert {r["client_order_id"] for r in engine.journal.fills()} >= first
    assert not (first & {r["client_order_id"] for r in engine.journal.orders_with_status("unknown")})
    assert len(engine.ledger.positions) + len(engine.ledger.open_orders) <= 3


def test_candles_that_closed_while_down_are_decided_but_not_traded(home: Path) -> None:
    engine = make_engine(home)
    advance(engine, 600)
    engine.journal.close()
    again = make_engine(home, t=engine.clock.now())
    orders_before = again.journal.query("SELECT COUNT(*) FROM orders WHERE status != 'stale'")[0][0]
    advance(again, 3600, live=False)  # the clock jumps an hour: 12 batches closed "while down"
    stale = again.journal.orders_with_status("stale")
    assert len(stale) > 20
    traded = again.journal.query("SELECT batch_end FROM orders WHERE status != 'stale'")
    # nothing old was traded: only the batch closing right now was
    assert len(traded) > orders_before
    assert {r[0] for r in traded[orders_before:]} == {int(again.clock.now())}


def test_risk_limit_from_settings_applies(home: Path) -> None:
    engine = make_engine(home, risk={"stake_cap": 0.5})
    advance(engine, 900)
    assert engine.journal.query("SELECT COUNT(*) FROM orders")[0][0] == 0
    rejected = engine.journal.query("SELECT rejected FROM decisions LIMIT 1")[0][0]
    assert "exceeds the cap 0.50" in rejected


def test_corrupt_journal_is_refused_and_left_untouched(home: Path) -> None:
    path = home / "state" / "journal.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    before = path.read_bytes()
    with pytest.raises(JournalError, match="left untouched"):
        Journal(path)
    assert path.read_bytes() == before


def test_journal_from_a_newer_liveswap_is_refused(home: Path) -> None:
    path = home / "state" / "journal.sqlite"
    Journal(path).close()
    import sqlite3

    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    db.commit()
    db.close()
    with pytest.raises(JournalError, match="newer liveswap"):
        Journal(path)


def test_strategy_exception_is_a_fault_not_a_crash(home: Path) -> None:
    class Flaky(Probe):
        def on_candle(self, candle: Any, ctx: Any) -> Any:  # type: ignore[override]
            if candle.market == "BTC-5m":
                raise RuntimeError("bad day")
            return super().on_candle(candle, ctx)

    from liveswap.api import hookimpl

    Flaky.on_candle = hookimpl(Flaky.on_candle)  # type: ignore[method-assign]
    engine = make_engine(home, strategy=Flaky)
    advance(engine, 900)
    assert engine.faults == 3
    assert "bad day" in (engine.last_fault or "")
    faults = engine.journal.query("SELECT COUNT(*) FROM decisions WHERE fault IS NOT NULL")[0][0]
    assert faults == engine.journal.query("SELECT COUNT(*) FROM decisions")[0][0]


def test_catch_up_after_a_restart_is_labelled_as_such_not_warming_up(home: Path) -> None:
    """Issue 24, point 12: a new home warms up; a restart catches up, and its log says which."""
    from loguru import logger

    lines: list[str] = []
    sink = logger.add(lambda m: lines.append(str(m)), level="INFO", format="{message}")
    try:
        engine = make_engine(home, t=T0)  # a new home (the journal is empty): its first hour warms it up
        engine.clock.t += 3600  # type: ignore[attr-defined]
        engine.catch_up(engine.clock.now())
        assert any("(warming up: decided, not traded)" in x for x in lines)
        advance(engine, 600)
        engine.journal.close()
        lines.clear()
        again = make_engine(home, t=engine.clock.now() + 3600)  # down for an hour
        again.catch_up(again.clock.now())
        batches = [x for x in lines if x.startswith("batch ")]
        assert batches and all("(catch-up after a restart: decided, not traded)" in x for x in batches[:-1])
        assert not any("warming up" in x for x in lines)
    finally:
        logger.remove(sink)
