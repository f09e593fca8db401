"""The ledger reconciled with the broker's own book: a real host whose paper broker holds a
trade the journal does not know stops opening positions, says why in ``status``, and trades
again once the two agree; orders whose outcome is unknown are settled with the broker during
the run."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

from liveswap.brokers.base import OrderResult
from liveswap.brokers.paper import PaperBroker
from liveswap.engine.ledger import Ledger
from liveswap.engine.reconcile import Reconciler, ask_open_orders
from liveswap.journal import Journal
from liveswap.journal.store import FillRow, OrderRow
from liveswap.settings import PaperSettings

from tests.support.engine_helpers import ManualClock
from tests.support.host import journal_rows, ls, running_host, staker_home, status, traded_after, until

FOREIGN = ("INSERT INTO paper_book (client_order_id, market, side, stake_micros, window_start, window_end, status,"
           " price_micros, contracts_micros, cost_micros, fee_micros, reason, ts)"
           " VALUES ('manual-1', 'BTC-5m', 'up', 5000000, 0, 4102444800, 'filled', 500000, 10000000, 5000000,"
           " 180000, '', 0)")


def paper_book(home: Path, sql: str) -> None:
    db = sqlite3.connect(home / "state" / "paper_broker.sqlite", timeout=10)
    try:
        with db:
            db.execute(sql)
    finally:
        db.close()


def test_a_trade_the_journal_does_not_know_halts_new_positions_until_they_agree(home: Path,
                                                                              cli_env: dict[str, str]) -> None:
    env = staker_home(home, cli_env, LIVESWAP_RECONCILE_SECONDS="0.2", LIVESWAP_RISK__MAX_OPEN_POSITIONS="50")
    with running_host(home, env) as proc:  # a first run: it trades, ledger == broker
        until(lambda: (status(home, proc).get("reconcile") or {}).get("checks", 0) > 2
              and journal_rows(home, "SELECT 1 FROM fills"), what="checks after fills")
        assert status(home, proc)["reconcile"]["ok"]
    paper_book(home, FOREIGN)  # someone traded $5.18 on the account while the host was down

    with running_host(home, env) as proc:
        st = until(lambda: (status(home, proc).get("reconcile") or {}).get("halted") and status(home, proc),
                   what="the discrepancy at start")
        recon = st["reconcile"]
        assert recon["difference"] == -5.18 and recon["unknown_to_ledger"] == ["manual-1"]
        assert "ledger disagrees with the broker" in st["trading_blocked"]
        halted_at = st["cursor"]
        until(lambda: status(home, proc)["cursor"] >= halted_at + 4 * 300, what="four more batches")
        assert traded_after(home, halted_at) == []  # open positions settle; nothing new opens
        shown = ls(env, "status")
        assert "ledger disagrees with the broker" in shown.stdout

        paper_book(home, "DELETE FROM paper_book WHERE client_order_id='manual-1'")  # resolved at the venue
        st = until(lambda: status(home, proc)["reconcile"]["ok"] and status(home, proc), what="agreement")
        assert st["trading_blocked"] is None
        until(lambda: traded_after(home, st["cursor"]), what="trading to resume")
    kinds = [r["kind"] for r in journal_rows(home, "SELECT kind FROM risk_events ORDER BY id")]
    details = [r["detail"] for r in journal_rows(home, "SELECT detail FROM risk_events ORDER BY id")]
    assert kinds == ["discrepancy", "discrepancy_cleared"], details


class Unreachable:
    """A broker whose every call fails after the order reached the venue (here: a paper book)."""

    name = "flaky"

    def __init__(self, inner: PaperBroker) -> None:
        self.inner, self.down = inner, False

    def lookup(self, coid: str) -> OrderResult | None:
        if self.down:
            from liveswap.brokers.base import BrokerError

            raise BrokerError("timed out")
        return self.inner.lookup(coid)


def test_unknown_orders_are_asked_about_and_stale_once_their_window_has_ended(tmp_path: Path) -> None:
    paper = PaperBroker(tmp_path / "paper.sqlite", PaperSettings(slippage=0))
    ledger = Ledger(balance=Decimal(100))
    sent = OrderRow("sent", "BTC-5m", "BTC-5m", 0, 0, "up", 5, None, "0.56", 300, 600, "s", "1", "", status="unknown")
    lost = OrderRow("lost", "BTC-5m", "BTC-5m", 0, 1, "up", 5, None, "0.56", 300, 600, "s", "1", "", status="unknown")
    from liveswap.engine.reconcile import request_of

    paper.submit(request_of(sent, 300))  # the venue got this one; the host's submit call failed
    ledger.order_opened(sent)
    ledger.order_opened(lost)
    broker = Unreachable(paper)
    broker.down = True
    assert ask_open_orders(broker, ledger, 400) == ([], [])  # still unknown: still exposure
    broker.down = False
    answers, never = ask_open_orders(broker, ledger, 400)
    assert [(r.client_order_id, r.status, r.shares, r.cost) for _, r, _ in answers] == [
        ("sent", "filled", Decimal(8), Decimal("4.48"))]
    assert never == []  # "lost" may yet show up while its window is open
    assert ask_open_orders(broker, ledger, 600)[1] == ["lost"]


def test_reconciler_compares_balance_and_contracts_exactly(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite")
    paper = PaperBroker(tmp_path / "paper.sqlite", PaperSettings(starting_balance=100, slippage=0))
    ledger = Ledger(deposits=Decimal(100), balance=Decimal(100))
    order = OrderRow("a", "BTC-5m", "BTC-5m", 0, 0, "up", 5, None, "0.56", 300, 600, "s", "1", "")
    from liveswap.engine.reconcile import request_of

    result = paper.submit(request_of(order, 300))
    recon = Reconciler(journal, interval=0)
    recon.check(paper, ledger)
    assert recon.blocked() and recon.status()["difference"] == -4.62  # 4.48 + 0.14 fee not in the ledger
    ledger.apply_fill(FillRow("a", 300, "BTC-5m", "up", 5, result.price, result.shares, result.fee, 300, 600, "1",
                              cost=result.cost))
    recon.check(paper, ledger)
    assert recon.blocked() is None and recon.status()["ok"]


class Frozen(ManualClock):
    """A clock that never moves: no candle closes, so only the reconciliation's own clock can find anything."""

    def wait_until(self, t: float, stop: Any, max_real: float) -> None:
        stop.wait(max_real)


def test_a_drop_at_the_venue_is_in_status_without_waiting_for_a_batch(home: Path) -> None:
    """Issue 24, point 7: against the local fake Kalshi (signed requests), a $50 drop of the account's balance is a
    discrepancy in status within ``reconcile_seconds`` while no batch closes; and an order whose outcome is not
    known makes the next check come at once."""
    import threading

    from cryptography.hazmat.primitives.asymmetric import rsa
    from liveswap.venues.kalshi.broker import KalshiBroker
    from liveswap.venues.kalshi.client import KalshiClient
    from liveswap.venues.kalshi.feed import KalshiQuotes

    from tests.support.engine_helpers import T0, make_engine
    from tests.support.fake_kalshi import API, SERIES, FakeKalshi, kalshi_http
    from tests.support.venue_server import Reply, VenueServer

    server = VenueServer()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    try:
        FakeKalshi(server, key.public_key())
        cents = {"balance": 104250}
        server.route("GET", f"{API}/portfolio/balance", lambda req: Reply(200, dict(cents)))
        client = KalshiClient(kalshi_http(server, key))
        broker = KalshiBroker(client, KalshiQuotes(client, SERIES), clock=lambda: T0)
        engine = make_engine(home, broker=broker, clock=Frozen(T0), reconcile_seconds=0.5, heartbeat_seconds=0.2)
        runner = threading.Thread(target=engine.run, daemon=True)
        runner.start()
        try:
            until(lambda: (engine.report().to_json()["reconcile"] or {}).get("checks", 0) >= 2, timeout=30,
                  what="checks between batches")
            assert engine.report().to_json()["reconcile"]["ok"]
            cursor = engine.cursor
            cents["balance"] = 104250 - 5000  # $50 gone at the venue
            st = until(lambda: status(home).get("reconcile", {}).get("halted") and status(home), timeout=30,
                       what="the discrepancy in status.json")
            assert st["reconcile"]["difference"] == -50.0 and "ledger disagrees" in st["trading_blocked"]
            assert engine.cursor == cursor  # no batch closed in between
        finally:
            engine.stop()
            runner.join(30)
    finally:
        server.close()
    reconciler = Reconciler(Journal(home / "state" / "j2.sqlite"), interval=3600)
    reconciler.check(PaperBroker(home / "state" / "p2.sqlite", PaperSettings(), lambda *a: None), Ledger())
    assert not reconciler.due()
    reconciler.soon()  # what the engine does after an order whose outcome is not known
    assert reconciler.due()
