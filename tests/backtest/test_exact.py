"""A backtest's money figures equal, to the micro-dollar, what a real live paper host produced on
the same candles: the same bets, fills, fees, settlements and realized PnL, settlement by settlement."""

from __future__ import annotations

import sqlite3
import subprocess
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.support.backtest_kit import LEDGER_SENSITIVE, add_strategy, backtest_json, synthetic_csv
from tests.support.host import BIN, ls


def live_paper_run(home: Path, env: dict[str, str], csv: Path, spec: str) -> None:
    """A real ``liveswap run`` of ``spec`` on the CSV with the paper broker, to the replay's end."""
    run_env = {**env, "LIVESWAP_STRATEGY": spec, "LIVESWAP_WARMUP_SECONDS": "0",
               "LIVESWAP_STALE_AFTER_SECONDS": "1000000"}  # a loaded CI machine never makes a batch stale
    done = subprocess.run([str(BIN / "liveswap"), "run", "--feed", f"csv:{csv}", "--speed", "3000"], env=run_env,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]


def journal_figures(home: Path) -> dict[str, Any]:
    db = sqlite3.connect(f"file:{home / 'state' / 'journal.sqlite'}?mode=ro", uri=True)
    try:
        bets, fees = db.execute("SELECT COUNT(*), COALESCE(SUM(fee_micros), 0) FROM fills").fetchone()
        settled, wins, pnl = db.execute("SELECT COUNT(*), COALESCE(SUM(won), 0), COALESCE(SUM(pnl_micros), 0)"
                                        " FROM settlements").fetchone()
        curve, total = [], 0
        for ts, step in db.execute("SELECT ts, SUM(pnl_micros) FROM settlements GROUP BY ts ORDER BY ts"):
            total += step
            curve.append([ts, float(Decimal(total) / 1_000_000)])
        stale = db.execute("SELECT COUNT(*) FROM orders WHERE status = 'stale'").fetchone()[0]
        open_ = db.execute("SELECT COUNT(*) FROM fills WHERE client_order_id NOT IN"
                           " (SELECT client_order_id FROM settlements)").fetchone()[0]
    finally:
        db.close()
    return {"bets": bets, "fees": float(Decimal(fees) / 1_000_000), "settled": settled, "wins": wins,
            "pnl": float(Decimal(pnl) / 1_000_000), "equity": curve, "stale": stale, "open": open_}


def test_a_backtest_gives_the_figures_of_a_live_paper_host_on_the_same_csv(home: Path, cli_env: dict[str, str]
                                                                         ) -> None:
    spec = add_strategy(home, "sensitive", LEDGER_SENSITIVE)
    csv = synthetic_csv(home / "day.csv", hours=8, drop_every=23)  # with gaps in the data
    assert ls(cli_env, "set", "stake=4").returncode == 0  # params both take from control.json
    live_paper_run(home, cli_env, csv, spec)
    live = journal_figures(home)
    assert live["stale"] == 0 and live["bets"] > 20 and live["settled"] > 20  # a real trading run

    from_csv = backtest_json(cli_env, spec, "--candles", f"csv:{csv}")["versions"][0]
    from_journal = backtest_json(cli_env, spec)["versions"][0]  # the candles the live host journaled

    for figures in (from_csv, from_journal):
        assert figures["fault"] is None
        assert (figures["bets"], figures["settled"], figures["wins"]) == (live["bets"], live["settled"], live["wins"])
        assert (figures["pnl"], figures["fees"]) == (live["pnl"], live["fees"])
        assert figures["equity"] == live["equity"]  # settlement by settlement, in the same batches
        assert figures["candles"] == 608 - 608 // 23
        assert figures["open_positions"] == live["open"]
