"""The money judge on a real host with sandboxed workers: a twin shows exactly zero, and on a
replay where the favourite loses money a favourite buyer is never promoted, a longshot buyer is."""

from __future__ import annotations

import csv
import json
import random
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

from liveswap.judge import CandleResult, pair_by_batch
from liveswap.markets import DEFAULT_MARKETS, Market

from tests.support.host_process import host_stderr, ls, running_host, status_of, until
from tests.support.wheelkit import make_wheel

SIDE = '''
from liveswap.api import Intent, hookimpl


class Strategy:
    """{doc}"""

    @hookimpl
    def on_candle(self, candle, ctx):
        if candle.up_price is None:
            return []
        favourite = "up" if candle.up_price >= 0.5 else "down"
        longshot = "down" if favourite == "up" else "up"
        return [Intent(candle.market, {side}, 5.0)]
'''
FOLLOWER = '''
from liveswap.api import Intent, hookimpl


class Strategy:
    """Bets $1 with the last candle's direction (stateless: a twin decides exactly alike)."""

    @hookimpl
    def on_candle(self, candle, ctx):
        return [Intent(candle.market, "up" if candle.close >= candle.open else "down", 1.0)]
'''


def _journal(home: Path, sql: str) -> list[sqlite3.Row]:
    db = sqlite3.connect(f"file:{home / 'state' / 'journal.sqlite'}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        return db.execute(sql).fetchall()
    finally:
        db.close()


def _results(rows: list[sqlite3.Row]) -> list[CandleResult]:
    return [CandleResult(r["market"], r["window_start"], r["batch_end"], Decimal(r["staked"]) / 1_000_000,
                         Decimal(r["pnl"]) / 1_000_000) for r in rows]


def _candidate(home: Path) -> dict[str, Any]:
    return status_of(home).get("candidate") or {}


def test_a_twin_shadowed_against_the_active_version_shows_exactly_zero(home: Path, cli_env: dict[str, str]) -> None:
    make_wheel(home / "registry", "follower-strategy", "1.0.0", ep="follower", module="follower_strategy",
               body=FOLLOWER)
    env = {**cli_env, "LIVESWAP_STRATEGY": "follower==1.0.0", "LIVESWAP_RISK__DAILY_LOSS_LIMIT": "1000000",
           "LIVESWAP_RISK__MAX_OPEN_POSITIONS": "100", "LIVESWAP_PAPER__STARTING_BALANCE": "1000000"}
    with running_host(home, env):
        until(lambda: (status_of(home).get("cursor") or 0) > 0, what="a first batch")
        until(lambda: len(_journal(home, "SELECT 1 FROM settlements")) > 0, what="a settled real bet")  # mid-run
        done = ls(env, "shadow", "follower==1.0.0", "--min-bets", "5", "--wait", "60")
        assert done.returncode == 0, done.stderr + host_stderr(env)
        until(lambda: ((_candidate(home).get("money") or {}).get("batches") or 0) >= 12, timeout=90,
              what="twelve paired batches")
        cand = _candidate(home)
    figures = cand["figures"]
    for key in ("bets", "wins", "pnl", "fees", "max_drawdown"):
        assert figures["candidate"][key] == figures["active"][key], key
    assert cand["money"]["estimate"] == 0.0 and cand["money"]["lower"] < 0.0 < cand["money"]["upper"]
    assert cand["money"]["paired_candles"] >= cand["money"]["batches"] * 5  # five to nine candles a batch
    # every batch the judge saw, rebuilt from the journal: the difference is exactly zero on each
    start = _journal(home, "SELECT start_batch, id FROM candidates")[0]
    real = _results(_journal(home, "SELECT f.market, f.window_start, o.batch_end, f.cost_micros + f.fee_micros AS "
                                   "staked, s.pnl_micros AS pnl FROM fills f JOIN orders o USING (client_order_id) "
                                   f"JOIN settlements s USING (client_order_id) WHERE o.batch_end > {start[0]}"))
    hypo = _results(_journal(home, "SELECT market, window_start, batch_end, cost_micros + fee_micros AS staked, "
                                   "pnl_micros AS pnl FROM hypothetical_orders WHERE settled_batch IS NOT NULL"))
    batches = {r.batch_end for r in hypo} & {r.batch_end for r in real}
    diffs = pair_by_batch([r for r in real if r.batch_end in batches], [r for r in hypo if r.batch_end in batches])
    assert len(diffs) >= 12 and set(diffs) == {0.0}


def _replay(path: Path, windows: int, seed: int = 5) -> None:
    """Every default market for ``windows`` 5-minute windows; a window's favourite (the side its
    contract prices at 0.75) wins only 55% of the time: buying favourites loses money."""
    rng = random.Random(seed)
    t0 = 1_764_000_000 // 900 * 900
    rows = []
    for name in DEFAULT_MARKETS:
        market = Market.parse(name)
        up_price = 0.75
        for k in range(windows * 300 // market.seconds):
            start = t0 + k * market.seconds
            up_won = rng.random() < (0.55 if up_price == 0.75 else 0.45)
            close = 101.0 if up_won else 99.0
            up_price = rng.choice((0.75, 0.25))  # the price of the next window's "up" contract
            rows.append([name, market.timeframe, start, start + market.seconds, 100.0, max(100.0, close),
                         min(100.0, close), close, 1.0, up_price])
    with path.open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["market", "timeframe", "start", "end", "open", "high", "low", "close", "volume", "up_price"])
        writer.writerows(rows)


def _favourite_env(home: Path, cli_env: dict[str, str]) -> dict[str, str]:
    for name, side, doc in (("upper", '"up"', "Always buys up"), ("fav", "favourite", "Buys the favourite"),
                            ("long", "longshot", "Buys the longshot")):
        make_wheel(home / "registry", f"{name}-strategy", "1.0.0", ep=name, module=f"{name}_strategy",
                   body=SIDE.format(doc=doc, side=side))
    _replay(home / "replay.csv", windows=400)
    return {**cli_env, "LIVESWAP_STRATEGY": "upper==1.0.0", "LIVESWAP_FEED": "csv:replay.csv",
            "LIVESWAP_RISK__DAILY_LOSS_LIMIT": "1000000", "LIVESWAP_RISK__MAX_OPEN_POSITIONS": "100",
            "LIVESWAP_PAPER__STARTING_BALANCE": "1000000"}


def _auto_rollout(home: Path, env: dict[str, str], spec: str, *, expect_active: str) -> dict[str, Any]:
    """Shadow ``spec`` with --auto-promote until its rollout ends; its journal row, figures and judge."""
    with running_host(home, env):
        done = ls(env, "shadow", spec, "--auto-promote", "--min-bets", "5", "--horizon", "300", "--wait", "60")
        assert done.returncode == 0, done.stderr + host_stderr(env)
        row = until(lambda: next((r for r in _journal(home, "SELECT * FROM candidates WHERE mode = 'shadow'")
                                  if r["ended_at"] is not None), None), timeout=120, what=f"a verdict on {spec}")
        # status.json follows the journal within a heartbeat
        active = until(lambda: status_of(home)["active"]["name"] == expect_active and expect_active, timeout=30,
                       what=f"{expect_active} active")
    figures = json.loads(row["figures"])
    return {"outcome": row["outcome"], "verdict": row["verdict"], "figures": figures, "active": active,
            "money": figures["analysis"]["money"]}


def test_a_favourite_buyer_that_loses_money_is_never_promoted(home: Path, cli_env: dict[str, str]) -> None:
    seen = _auto_rollout(home, _favourite_env(home, cli_env), "fav==1.0.0", expect_active="upper")
    assert seen["active"] == "upper" and seen["outcome"] == "rejected" and seen["verdict"] == "failed", seen
    figures = seen["figures"]
    assert figures["candidate"]["win_rate"] > figures["active"]["win_rate"]  # it wins more often...
    assert seen["money"]["upper"] < seen["money"]["margin"]  # ...and makes less money


def test_a_longshot_buyer_that_makes_money_is_promoted(home: Path, cli_env: dict[str, str]) -> None:
    seen = _auto_rollout(home, _favourite_env(home, cli_env), "long==1.0.0", expect_active="long")
    assert seen["active"] == "long" and seen["outcome"] == "promoted" and seen["verdict"] == "successful", seen
    figures = seen["figures"]
    assert figures["candidate"]["win_rate"] < figures["active"]["win_rate"]  # it wins less often...
    assert seen["money"]["lower"] > 0.0  # ...and makes more money


def test_a_promoted_version_that_loses_is_rolled_back_by_the_guard(home: Path, cli_env: dict[str, str]) -> None:
    env = _favourite_env(home, cli_env)
    with running_host(home, env):
        done = ls(env, "shadow", "fav==1.0.0", "--guard-batches", "300", "--wait", "60")
        assert done.returncode == 0, done.stderr + host_stderr(env)
        promoted = ls(env, "promote", "--wait", "60")  # the operator promotes it before any verdict
        assert promoted.returncode == 0, promoted.stderr + host_stderr(env)
        assert status_of(home)["active"]["name"] == "fav"
        until(lambda: _candidate(home).get("mode") == "guard", timeout=60, what="the guard to start")
        until(lambda: status_of(home)["active"]["name"] == "upper" and _candidate(home).get("phase") == "rolled back",
              timeout=120, what="the guard's rollback")
        guard = _candidate(home)
        history = ls(env, "history", "--json")
    assert guard["spec"] == "upper==1.0.0" and guard["verdict"] == "successful"
    assert "behind upper==1.0.0 beyond the margin" in guard["ended_reason"]
    assert guard["money"]["lower"] > 0.25  # upper minus fav, per batch: the margin, the other way round
    assert history.returncode == 0 and "guard: fav==1.0.0 is behind upper==1.0.0" in history.stdout
    rows = _journal(home, "SELECT spec, mode, outcome FROM candidates ORDER BY id")
    assert [tuple(r) for r in rows] == [("fav==1.0.0", "shadow", "promoted"), ("upper==1.0.0", "guard", "rolled back")]


HANG = '''
import time

from liveswap.api import hookimpl


class Strategy:
    """Hangs in every decision (the host's hook time limit ends each call)."""

    @hookimpl
    def on_candle(self, candle, ctx):
        time.sleep(3600)
        return []
'''


def test_a_hung_shadow_never_holds_the_active_version_back(home: Path, cli_env: dict[str, str]) -> None:
    make_wheel(home / "registry", "follower-strategy", "1.0.0", ep="follower", module="follower_strategy",
               body=FOLLOWER)
    # another strategy: its warm-up on recent candles hangs too, on the shadow's own thread
    make_wheel(home / "registry", "hang-strategy", "1.0.0", ep="hang", module="hang_strategy", body=HANG)
    env = {**cli_env, "LIVESWAP_STRATEGY": "follower==1.0.0", "LIVESWAP_RISK__DAILY_LOSS_LIMIT": "1000000",
           "LIVESWAP_PAPER__STARTING_BALANCE": "1000000"}
    with running_host(home, env):
        done = ls(env, "shadow", "hang==1.0.0", "--wait", "60")
        assert done.returncode == 0, done.stderr + host_stderr(env)
        started = until(lambda: _candidate(home).get("cursor"), timeout=30, what="the shadow's first status")

        def ahead() -> int:
            st = status_of(home)
            return (st["cursor"] - (st.get("candidate") or {}).get("cursor", started)) // 300

        # each of the shadow's batches takes the hook time limit (5 s); the active version goes on
        until(lambda: ahead() >= 20, timeout=60, what="the active version twenty batches ahead of the shadow")
        cursor = status_of(home)["cursor"]
    decided = _journal(home, f"SELECT DISTINCT batch_end FROM decisions WHERE batch_end > {started} AND "
                             f"batch_end <= {cursor} AND version = '1.0.0' AND fault IS NULL")
    assert len(decided) == (cursor - started) // 300  # every batch decided by the active version, none skipped


def test_a_guard_survives_a_host_restart_and_reject_ends_it_keeping_the_new_version(
        home: Path, cli_env: dict[str, str]) -> None:
    env = _favourite_env(home, cli_env)
    guarding = lambda: _candidate(home).get("mode") == "guard" and _candidate(home).get("phase") == "running"  # noqa: E731
    with running_host(home, env):  # a margin of -1: the guard never rolls back in this test's time
        done = ls(env, "shadow", "fav==1.0.0", "--guard-batches", "300", "--margin", "-1", "--wait", "60")
        assert done.returncode == 0, done.stderr + host_stderr(env)
        assert ls(env, "promote", "--wait", "60").returncode == 0, host_stderr(env)
        until(guarding, timeout=60, what="the guard to run")
    [guard_id] = [r["id"] for r in _journal(home, "SELECT id FROM candidates WHERE mode = 'guard'")]
    with running_host(home, env):  # the host restarted: the guard resumes, the promoted version trades
        until(guarding, timeout=60, what="the guard to resume")
        assert status_of(home)["active"]["name"] == "fav" and _candidate(home)["guard_of"] == "fav==1.0.0"
        rejected = ls(env, "reject", "--wait", "60")
        assert rejected.returncode == 0, rejected.stderr + host_stderr(env)
        until(lambda: _candidate(home).get("phase") == "kept", timeout=30, what="the guard to end")
        assert status_of(home)["active"]["name"] == "fav"  # reject ended the guard, not the promotion
    rows = _journal(home, "SELECT id, mode, outcome, reason FROM candidates ORDER BY id")
    assert [tuple(r) for r in rows] == [
        (guard_id - 1, "shadow", "promoted", rows[0]["reason"]),
        (guard_id, "guard", "kept", "guard ended by the operator: fav==1.0.0 kept")]
