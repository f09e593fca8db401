"""The dashboard's data layer on a home's files: empty homes, markets, swaps, log tail."""

from __future__ import annotations

import json
import time
from pathlib import Path

from liveswap.home.status import read_status
from liveswap.journal import Journal
from liveswap.web import data

from ..support.journal_rows import Bet, write_bets


def write_status(home: Path, **fields: object) -> None:
    """A status.json as a host writes it (every field the model requires), with ``fields`` changed."""
    now = time.time()
    base = {"liveswap_version": "1.0.0", "pid": 4242, "running": True, "heartbeat_at": now, "heartbeat_seconds": 1.0,
            "started_at": now - 60, "observed_generation": 3, "paused": False, "paused_markets": [],
            "active": {"name": "momentum", "version": "1.1.0", "since": now - 60}, "feed": "synthetic",
            "broker": "paper", "markets": ["BTC-5m", "ETH-5m", "SOL-5m"], "clock": now, "speed": 300.0,
            "balance": 1000.0, "starting_balance": 1000.0, "realized_pnl": 0.0, "open_positions": [],
            "by_market": {}}
    (home / "state" / "status.json").write_text(json.dumps({**base, **fields}))
    assert read_status(home / "state") is not None, "the test's status.json must be one the model accepts"


def test_a_home_where_no_host_ever_ran_shows_nothing_rather_than_failing(home: Path) -> None:
    o = data.overview(home / "state")
    assert o["host"]["seen"] is False and o["host"]["alive"] is False
    assert o["markets"] == [] and o["candidate"] is None and o["log"] == {"file": None, "lines": []}
    # with the home's settings, its markets are listed (and can be paused) before any host ran
    listed = data.overview(home / "state", markets_traded=["BTC-5m", "ETH-5m"])["markets"]
    assert [(m["market"], m["paused"], m["open_positions"]) for m in listed] == [("BTC-5m", False, []),
                                                                                  ("ETH-5m", False, [])]
    s = data.series(home / "state")
    assert s["ts"] == [] and s["versions"] == [] and s["swaps"] == []
    assert not (home / "state" / "journal.sqlite").exists()


def test_a_heartbeat_older_than_three_intervals_is_stale(home: Path) -> None:
    write_status(home, heartbeat_at=time.time() - 10)
    host = data.overview(home / "state")["host"]
    assert host["stale"] is True and host["alive"] is False and host["heartbeat_age"] >= 10


def test_markets_show_open_positions_paused_and_stale(home: Path) -> None:
    pos = {"order_id": "a", "market": "ETH-5m", "side": "up", "stake": 1.0, "cost": 1.0, "price": 0.5, "shares": 2.0,
           "fee": 0.04,
           "window_start": 0, "window_end": 300, "version": "1.0.0"}
    write_status(home, paused_markets=["SOL-5m"], open_positions=[pos], stale_markets={"BTC-5m": "no data for 120 s"})
    rows = {m["market"]: m for m in data.overview(home / "state")["markets"]}
    assert rows["ETH-5m"]["open_positions"] == [pos] and not rows["ETH-5m"]["paused"]
    assert rows["SOL-5m"]["paused"] and rows["SOL-5m"]["paused_itself"]
    assert rows["BTC-5m"]["stale"] == "no data for 120 s"
    write_status(home, paused=True)
    assert all(m["paused"] and not m["paused_itself"] for m in data.overview(home / "state")["markets"])


def test_the_candidate_the_host_reports_is_passed_through(home: Path) -> None:
    """The rollout's ``candidate`` object as the host writes it (liveswap.rollout.controller.status)."""
    figures = {"spec": "momentum==1.2.0", "bets": 3, "wins": 2, "win_rate": 0.6667, "pnl": 0.5, "fees": 0.06,
               "max_drawdown": 0.4, "faults": 0, "candles": 30, "batches": 10, "fault_rate": 0.0, "open_bets": 1}
    cand = {"spec": "momentum==1.2.0", "mode": "shadow", "markets": [], "phase": "running", "since": 1.0,
            "auto_promote": False, "cursor": 900, "bets": 3, "win_rate": 0.6667, "pnl": 0.5, "verdict": "running",
            "reason": "", "money": {"estimate": 0.1, "lower": -2.0, "upper": 2.2, "batches": 8, "alpha": 0.05},
            "active": {"spec": "momentum==1.1.0", "bets": 4, "win_rate": 0.5, "pnl": -0.2},
            "figures": {"candidate": figures, "active": {**figures, "spec": "momentum==1.1.0"}, "balance": 1000.5},
            "analysis": {"verdict": "running", "reason": "", "money": {"batches": 8},
                         "metrics": [{"name": "money", "phase": "running", "value": 0.1}]},
            "decide_ms_p50": 1.2, "last_fault": None, "updated_at": 2.0}
    write_status(home, candidate=cand)
    assert read_status(home / "state").candidate == cand  # type: ignore[union-attr]
    assert data.overview(home / "state")["candidate"] == cand


def test_the_sandbox_is_passed_through_when_the_host_reports_it(home: Path) -> None:
    sandbox = {"level": "strict", "in_force": ["namespaces", "seccomp"], "not_applied": ["landlock"], "refused": None}
    write_status(home, sandbox=sandbox)
    assert data.overview(home / "state")["sandbox"] == sandbox


def test_the_swap_pause_comes_from_status_when_the_journal_row_has_none(home: Path) -> None:
    path = home / "state" / "journal.sqlite"
    write_bets(path, [Bet("momentum", "1.1.0", 1_000, 0.5, True)])
    j = Journal(path)
    j.record_swap(kind="activate", from_version="momentum==1.1.0", to_version="momentum==1.0.0", ok=True,
                  reason="", pause_ms=None, batch_end=900)
    j.close()
    swap_at = time.time()
    write_status(home, last_swap={"from": "momentum==1.1.0", "to": "momentum==1.0.0", "ok": True, "reason": "",
                                  "pause_ms": 1.75, "at": swap_at, "kind": "activate", "generation": 1})
    swaps = data.series(home / "state")["swaps"]
    assert [(s["to_version"], s["pause_ms"], s["batch_end"]) for s in swaps] == [("momentum==1.0.0", 1.75, 900)]


def test_the_log_tail_is_the_last_lines_of_the_host_log(home: Path) -> None:
    logs = home / "state" / "logs"
    logs.mkdir()
    (logs / "worker-momentum-1.0.0.log").write_text("worker line\n")
    (logs / "liveswap.log").write_text("".join(f"line {i}\n" for i in range(500)))
    tail = data.log_tail(logs)
    assert tail["file"] == "liveswap.log" and tail["lines"][-1] == "line 499" and len(tail["lines"]) == data.LOG_LINES
