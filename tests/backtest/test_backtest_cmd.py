"""``liveswap backtest`` through the real console script: side by side, refusals, faults."""

from __future__ import annotations

import json
from pathlib import Path

from liveswap.feeds.csv_replay import COLUMNS

from tests.support.backtest_kit import (
    FAULTY,
    FAVOURITE,
    LONGSHOT,
    T0,
    add_strategy,
    backtest,
    backtest_json,
    synthetic_csv,
)


def favourites_lose_csv(path: Path, windows: int = 120) -> Path:
    """BTC-5m where the market always prices "up" at 0.8 but 3 windows in 4 go down."""
    lines = [",".join(COLUMNS)]
    for k in range(windows):
        start = T0 + 300 * k
        close = 101.0 if k % 4 == 0 else 99.0
        lines.append(f"BTC-5m,5m,{start},{start + 300},100.0,102.0,98.0,{close},10.0,0.8")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_favourite_buyer_against_a_longshot_buyer_shows_who_loses(home: Path, cli_env: dict[str, str]) -> None:
    favourite = add_strategy(home, "favourite", FAVOURITE)
    longshot = add_strategy(home, "longshot", LONGSHOT)
    csv = favourites_lose_csv(home / "fav.csv")

    result = backtest_json(cli_env, favourite, "--against", longshot, "--candles", f"csv:{csv}")
    fav, long_ = result["versions"]
    assert (fav["spec"], long_["spec"]) == (favourite, longshot)
    assert long_["bets"] == 120 and long_["open_positions"] == 1  # the last bet's window is not in the file
    assert 50 < fav["bets"] < 120  # the daily loss limit stopped the favourite buyer, as it would live
    assert fav["pnl"] < 0 < long_["pnl"]
    assert fav["win_rate"] < 0.3 < 0.7 < long_["win_rate"]
    assert fav["max_drawdown"] > long_["max_drawdown"]
    verdict = result["comparison"]  # the shadow/canary analysis's judge, paired batch by batch
    assert (verdict["candidate"], verdict["active"], verdict["verdict"]) == (favourite, longshot, "failed")
    assert verdict["upper"] < 0 and verdict["batches"] > 50
    saved = json.loads(Path(result["file"]).read_text())
    assert saved["versions"] == result["versions"]  # kept under state/backtests for the dashboard
    assert Path(result["file"]).parent == home / "state" / "backtests"

    text = backtest(cli_env, favourite, "--against", longshot, "--candles", f"csv:{csv}")
    assert text.returncode == 0, text.stderr
    assert favourite in text.stdout and longshot in text.stdout and "PnL" in text.stdout
    assert f"{favourite} against {longshot}: failed (mean difference" in text.stdout


def test_bad_inputs_get_one_line_reasons(home: Path, cli_env: dict[str, str]) -> None:
    spec = add_strategy(home, "favourite", FAVOURITE)
    good = favourites_lose_csv(home / "good.csv", windows=10)
    empty = home / "empty.csv"
    empty.write_text(",".join(COLUMNS) + "\n")
    bad = home / "bad.csv"
    bad.write_text(good.read_text().replace("100.0,102.0", "100.0,oops", 1))
    cases = {
        ("nosuch==1.0.0", "--candles", f"csv:{good}"): "backtest nosuch==1.0.0: unknown strategy 'nosuch'",
        (spec, "--candles", f"csv:{empty}"): "no candles of the home's markets in /",
        (spec, "--candles", f"csv:{bad}"): "bad.csv: line 2: could not convert string to float: 'oops'",
        (spec, "--candles", f"csv:{good}", "--from", "2030-01-01"): "good.csv between 1893456000 and the end",
        (spec, "--candles", f"csv:{home / 'missing.csv'}"): "missing.csv: No such file or directory",
        (spec,): "this home has recorded no candles",
        (spec, "--candles", "parquet:x"): "give journal or csv:PATH",
        (spec, "--from", "yesterday-ish"): "--from 'yesterday-ish' is not epoch seconds or an ISO 8601 time",
    }
    for args, reason in cases.items():
        done = backtest(cli_env, *args)
        assert done.returncode == 1, (args, done.stdout)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and reason in lines[0], (args, done.stderr)
    assert not list((home / "state").glob("journal.sqlite*"))  # no journal appeared


def test_a_faulting_strategy_is_reported_like_live_with_the_figures_so_far(home: Path, cli_env: dict[str, str]
                                                                          ) -> None:
    spec = add_strategy(home, "faulty", FAULTY)
    csv = synthetic_csv(home / "c.csv", hours=2)
    done = backtest(cli_env, spec, "--candles", f"csv:{csv}", "--json")
    assert done.returncode == 1
    figures = json.loads(done.stdout)["versions"][0]
    assert figures["fault"].startswith("exception: on_candle raised RuntimeError: boom at candle 40")
    assert figures["candles"] == 38  # the six batches decided whole before the faulting one (5, 5, 9, 5, 5, 9)
    assert figures["bets"] > 0
    assert done.stderr.strip() == f"liveswap: {spec} faulted: {figures['fault']}"
