"""A journal (and paper book) written by liveswap 1.0 -- schema 1, money as REAL -- is migrated
to schema 2 (integer micro-units) on open: a copy of the original is kept, balances do not move,
and the host carries on trading on it with its ledger reconciled with the migrated paper book."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

from liveswap.engine.ledger import Ledger
from liveswap.journal import Journal
from liveswap.journal.reader import rows
from liveswap.journal.schema import SCHEMA_VERSION

from tests.support.engine_helpers import T0, advance, make_engine

SUPPORT = Path(__file__).resolve().parents[1] / "support"


def v1_home(home: Path) -> Path:
    """A home whose state/ holds the journal and paper book liveswap 1.0 wrote (tests/support/*_v1.sql)."""
    for name in ("journal", "paper_broker"):
        db = sqlite3.connect(home / "state" / f"{name}.sqlite")
        db.executescript((SUPPORT / f"{name}_v1.sql").read_text())
        db.close()
    return home / "state" / "journal.sqlite"


def test_a_schema_1_journal_is_migrated_with_a_backup_and_unchanged_balances(home: Path) -> None:
    path = v1_home(home)
    old = sqlite3.connect(path)
    assert old.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == ("1",)
    v1_fills = old.execute("SELECT client_order_id, stake, price, shares, fee FROM fills ORDER BY 1").fetchall()
    v1_balance = old.execute("SELECT (SELECT SUM(amount) FROM ledger) - (SELECT SUM(stake + fee) FROM fills)"
                             " + (SELECT SUM(payout) FROM settlements)").fetchone()[0]
    old.close()

    journal = Journal(path)
    assert journal.query("SELECT value FROM meta WHERE key='schema_version'")[0][0] == str(SCHEMA_VERSION) == "2"
    backup = path.with_name("journal.sqlite.schema1.bak")
    copy = sqlite3.connect(backup)
    assert copy.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == ("1",)
    assert copy.execute("SELECT COUNT(*) FROM fills").fetchone()[0] == len(v1_fills) == 10
    copy.close()

    ledger = Ledger.from_journal(journal)
    assert ledger.balance == Decimal(repr(round(v1_balance, 6))) == Decimal("1000.27732")
    assert len(ledger.positions) == 2
    new = {r["client_order_id"]: r for r in journal.fills()}
    for coid, stake, price, shares, fee in v1_fills:  # 1.0 booked the stake as the cost: kept, so nothing moves
        row = new[coid]
        assert row["cost_micros"] == row["stake_micros"] == round(stake * 1e6)
        assert (row["price_micros"], row["contracts_micros"], row["fee_micros"]) == (
            round(price * 1e6), round(shares * 1e6), round(fee * 1e6))
    assert journal.query("PRAGMA foreign_key_check") == []
    assert journal.query("SELECT COUNT(*) FROM missed_candles")[0][0] == 0  # the new tables exist
    journal.close()
    exported = rows(path, "fills")
    assert {r["cost"] for r in exported} == {1.0} and "cost_micros" not in exported[0]

    Journal(path).close()  # opening again migrates nothing and keeps the first backup
    assert backup.exists() and not backup.with_name(backup.name + ".tmp").exists()


def test_the_host_trades_on_a_migrated_home_with_its_ledger_reconciled(home: Path) -> None:
    v1_home(home)
    engine = make_engine(home, t=T0 + 2700, markets=["BTC-5m", "ETH-15m"])
    assert engine.ledger.balance == Decimal("1000.27732")
    advance(engine, 1800)
    recon = engine.report().reconcile
    assert recon is not None and recon.checks >= 1 and recon.ok, recon
    assert engine.ledger.balance == engine.broker.balance()  # type: ignore[attr-defined]
    new_fills = [r for r in engine.journal.fills() if r["ts"] > T0 + 2700]
    assert new_fills and all(r["contracts_micros"] % 1_000_000 == 0 for r in new_fills)  # whole contracts now
    assert all(r["cost_micros"] == r["price_micros"] * r["contracts_micros"] // 1_000_000 for r in new_fills)
