"""The journal's rollout tables: migration from schema 2, candidates, hypothetical rows (micro-units), snapshots."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path

from liveswap.journal import candidates as cj
from liveswap.journal.schema import SCHEMA_VERSION
from liveswap.journal.store import Journal


def _order(order_id: str, batch_end: int, status: str = "filled") -> dict[str, object]:
    return {"order_id": order_id, "spec": "m==2.0.0", "batch_end": batch_end, "market": "BTC-5m",
            "candle_start": batch_end - 300, "side": "up", "stake": Decimal("1.5"), "max_price": None,
            "quote": Decimal("0.5"), "window_start": batch_end, "window_end": batch_end + 300, "status": status,
            "reason": "", "price": Decimal("0.51"), "shares": Decimal(2), "cost": Decimal("1.02"),
            "fee": Decimal("0.02"), "tag": ""}


def test_a_schema_2_journal_is_migrated_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    Journal(path).close()
    db = sqlite3.connect(path)
    for table in ("candidate_snapshots", "hypothetical_orders", "candidates"):
        db.execute(f"DROP TABLE {table}")
    for table in ("decisions", "orders"):  # schema 5's column (a real schema 2 journal has none)
        db.execute(f"ALTER TABLE {table} DROP COLUMN lease_revision")
    db.execute("UPDATE meta SET value='2' WHERE key='schema_version'")
    db.commit()
    db.close()
    journal = Journal(path)
    assert journal.query("SELECT value FROM meta WHERE key='schema_version'")[0][0] == str(SCHEMA_VERSION) == "6"
    assert cj.open_candidate(journal) is None
    journal.close()


def test_candidate_rows_orders_settlements_and_the_newest_snapshot(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "journal.sqlite")
    first = cj.start(journal, spec="m==1.5.0", mode="shadow", markets=[], active="m==1.0.0", generation=3,
                     start_batch=900, analysis={}, auto_promote=False, balance=1000.0)
    cid = cj.start(journal, spec="m==2.0.0", mode="shadow", markets=[], active="m==1.0.0", generation=5,
                   start_batch=1200, analysis={"min_bets": 5}, auto_promote=True, balance=990.0)
    assert cj.candidate(journal, first)["outcome"] == "replaced"  # type: ignore[index]
    assert cj.open_candidate(journal)["id"] == cid  # type: ignore[index]
    assert cj.by_generation(journal, 5)["balance_micros"] == 990_000_000  # type: ignore[index]

    cj.record_batch(journal, cid, batch_end=1500, orders=[_order("hy-a", 1500)], settlements=[], snapshot=None)
    cj.record_batch(journal, cid, batch_end=1800, orders=[_order("hy-b", 1800)],
                    settlements=[{"order_id": "hy-a", "won": True, "payout": Decimal(2), "pnl": Decimal("0.96"),
                                  "ts": 1800}],
                    snapshot=('{"n": 1}', json.dumps({"cursor": 1800})))
    cj.record_batch(journal, cid, batch_end=2100, orders=[_order("hy-c", 2100)],
                    settlements=[{"order_id": "hy-b", "won": False, "payout": Decimal(0), "pnl": Decimal("-1.04"),
                                  "ts": 2100}],
                    snapshot=('{"n": 2}', json.dumps({"cursor": 2100})))
    snap = cj.latest_snapshot(journal, cid)
    assert snap is not None and snap["batch_end"] == 2100 and snap["strategy_state"] == '{"n": 2}'
    assert len(journal.query("SELECT * FROM candidate_snapshots WHERE candidate_id=?", (cid,))) == 1

    cj.discard_after(journal, cid, 1800)  # a crash after the snapshot at 1800: later rows are forgotten
    rows = {r["order_id"]: r for r in cj.hypothetical_orders(journal, cid)}
    assert set(rows) == {"hy-a", "hy-b"}
    assert rows["hy-a"]["won"] == 1 and rows["hy-b"]["settled_batch"] is None
    a = rows["hy-a"]  # exact integer micro-units, the columns a real fill and settlement have
    assert (a["stake_micros"], a["price_micros"], a["contracts_micros"], a["cost_micros"], a["fee_micros"],
            a["quote_micros"], a["max_price_micros"]) == (1_500_000, 510_000, 2_000_000, 1_020_000, 20_000,
                                                          500_000, None)
    assert (a["payout_micros"], a["pnl_micros"]) == (2_000_000, 960_000)
    assert rows["hy-b"]["payout_micros"] is None

    cj.end(journal, cid, outcome="promoted", verdict="successful", reason="lower bound > min_edge", figures={"x": 1})
    assert cj.open_candidate(journal) is None
    assert [r["outcome"] for r in cj.history(journal)] == ["promoted", "replaced"]
    journal.close()


def test_batches_between_groups_journaled_candles_by_batch(tmp_path: Path) -> None:
    from liveswap.api.types import Candle
    from liveswap.journal.store import DecisionRow

    journal = Journal(tmp_path / "journal.sqlite")
    for end in (600, 900):
        candles = [Candle(m, "5m", end - 300, end, 1, 1, 1, 1, 1, 0.5) for m in ("ETH-5m", "BTC-5m")]
        journal.write_batch(end, candles, [DecisionRow(c.market, c.start, "m", "1.0.0", [], [],
                                                       "crash: x" if end == 900 and c.market == "BTC-5m" else None)
                                           for c in candles], [])
    batches = cj.batches_between(journal, 300, 900)
    assert [(b, [c["market"] for c in cs], by, faulted) for b, cs, by, faulted in batches] == [
        (600, ["BTC-5m", "ETH-5m"], {"BTC-5m": "1.0.0", "ETH-5m": "1.0.0"}, set()),
        (900, ["BTC-5m", "ETH-5m"], {"BTC-5m": "1.0.0", "ETH-5m": "1.0.0"}, {"1.0.0"})]
    assert cj.batches_between(journal, 600, 900)[0][0] == 900
    journal.close()
