"""The kill -9 torture of ``benchmarks/torture.py``, short: a real host killed 8 times at random
moments (mid-swap, mid-snapshot, mid-catch-up), restarted each time, then audited."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from tests.conftest import ROOT


def load_torture() -> ModuleType:
    spec = importlib.util.spec_from_file_location("liveswap_torture", ROOT / "benchmarks" / "torture.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_eight_kills_lose_nothing_and_duplicate_nothing(tmp_path: Path) -> None:
    torture = load_torture()
    result = torture.torture(tmp_path / "home", kills=8, seed=6, audit_every=0)
    report = torture.report(result)
    assert result.checks.ok, report
    counts = result.checks.counts
    assert counts["journal quick_check after kill -9"] == [8, 0]
    # every final invariant of the issue was checked (and passed)
    for name in ("every broker fill is in the journal exactly once (and vice versa)",
                 "the broker never saw an order journaled stale",
                 "broker orders == journal orders filled/rejected",
                 "no client order id ever sent twice (the paper broker's append-only submit log)",
                 "journal fills carry the broker's contracts, price, cost and fee exactly",
                 "status balance == start + payouts - cost - fees (broker's own book), to the micro-dollar",
                 "the host's reconciliation never found the ledger and the broker apart",
                 "strategy state lists each decided candle exactly once",
                 "decisions contiguous per market (no window skipped)",
                 "strategy heard each delivered fill exactly once",
                 "active version: status == journal's last committed swap == snapshot"):
        assert counts[name] == [1, 0], report
    # the run traded and swapped: the audit was not of an empty journal
    assert result.totals["fills"] > 20 and result.totals["settlements"] > 10, report
    assert result.totals["swaps"] >= 1, report


def test_the_audit_catches_a_fill_missing_from_the_journal(tmp_path: Path) -> None:
    """The checks can fail: delete one journaled fill and the fill and balance invariants say so."""
    import sqlite3

    torture = load_torture()
    home = tmp_path / "home"
    result = torture.torture(home, kills=1, seed=3, audit_every=0)
    assert result.checks.ok, torture.report(result)
    db = sqlite3.connect(home / "state" / "journal.sqlite")
    with db:  # an open position's fill if one is left at the stop, else a settled bet's fill and settlement
        row = db.execute("SELECT client_order_id FROM fills ORDER BY client_order_id IN "
                         "(SELECT client_order_id FROM settlements) LIMIT 1").fetchone()
        assert row is not None, "the run filled nothing"
        db.execute("DELETE FROM fills WHERE client_order_id=?", (row[0],))
        db.execute("DELETE FROM settlements WHERE client_order_id=?", (row[0],))
    db.close()
    checks = torture.Checks()
    torture.check_final(home, checks)
    failed = {name for name, (_, bad) in checks.counts.items() if bad}
    assert "every broker fill is in the journal exactly once (and vice versa)" in failed
    assert "status balance == start + realized PnL - cost of open positions, to the micro-dollar" in failed


def test_the_audit_catches_a_client_order_id_sent_twice(tmp_path: Path) -> None:
    """A second send of a known id is answered from the broker's book (idempotent), so only the
    append-only submit log can show it: replay one send and the audit says so."""
    import sqlite3

    from liveswap.brokers.paper import PaperBroker
    from liveswap.engine.reconcile import request_of
    from liveswap.journal.store import OrderRow
    from liveswap.settings import PaperSettings

    torture = load_torture()
    home = tmp_path / "home"
    result = torture.torture(home, kills=1, seed=4, audit_every=0)
    assert result.checks.ok, torture.report(result)
    db = sqlite3.connect(home / "state" / "journal.sqlite")
    db.row_factory = sqlite3.Row
    row = db.execute("SELECT * FROM orders WHERE status='filled' LIMIT 1").fetchone()
    db.close()
    broker = PaperBroker(home / "state" / "paper_broker.sqlite", PaperSettings())
    before = broker.lookup(row["client_order_id"])
    assert broker.submit(request_of(OrderRow.from_db(row), row["batch_end"])) == before  # same answer...
    broker.close()
    checks = torture.Checks()
    torture.check_final(home, checks)
    failed = {name for name, (_, bad) in checks.counts.items() if bad}
    assert failed == {"no client order id ever sent twice (the paper broker's append-only submit log)"}
