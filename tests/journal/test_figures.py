"""Dashboard figures from a journal: per NAME==VERSION (not only the version), read-only."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from liveswap.exceptions import JournalError
from liveswap.journal import Journal, figures
from liveswap.journal.store import DecisionRow

from ..support.journal_rows import Bet, write_bets

BETS = [
    Bet("momentum", "1.0.0", 1_000, +0.90, True),
    Bet("momentum", "1.0.0", 2_000, -1.04, False),
    Bet("momentum", "1.0.0", 3_000, -1.04, False),
    Bet("momentum", "1.1.0", 4_000, +0.80, True),
    # another strategy with the same version number: must not be mixed into momentum==1.0.0
    Bet("overreaction", "1.0.0", 5_000, +0.70, True, fee=0.02),
    Bet("momentum", "1.0.0", 6_000, +0.90, True),
]


@pytest.fixture
def journal(tmp_path: Path) -> Path:
    path = tmp_path / "journal.sqlite"
    write_bets(path, BETS)
    return path


def test_version_figures_are_keyed_by_name_and_version(journal: Path) -> None:
    figs = figures.version_figures(journal)
    assert set(figs) == {"momentum==1.0.0", "momentum==1.1.0", "overreaction==1.0.0"}
    m = figs["momentum==1.0.0"]
    assert (m["bets"], m["wins"], m["win_rate"]) == (4, 2, 0.5)
    assert m["pnl"] == pytest.approx(0.90 - 1.04 - 1.04 + 0.90)
    assert m["fees"] == pytest.approx(4 * 0.04)
    # its PnL went 0.90 -> -0.14 -> -1.18 -> -0.28: worst fall from the peak is 0.90 - (-1.18)
    assert m["max_drawdown"] == pytest.approx(2.08)
    o = figs["overreaction==1.0.0"]
    assert (o["bets"], o["win_rate"], o["fees"], o["max_drawdown"]) == (1, 1.0, 0.02, 0.0)


def test_money_series_is_the_deposit_plus_realized_pnl_in_settlement_order(journal: Path) -> None:
    s = figures.money_series(journal)
    assert s.deposits == 1000.0
    assert s.ts == [b.ts for b in BETS]
    running = 0.0
    for i, b in enumerate(BETS):
        running += b.pnl
        assert s.realized_pnl[i] == pytest.approx(running)
        assert s.equity[i] == pytest.approx(1000.0 + running)
    assert [ts for ts, _ in s.by_spec["momentum==1.0.0"]] == [1_000, 2_000, 3_000, 6_000]
    assert s.by_spec["momentum==1.0.0"][-1][1] == pytest.approx(-0.28)


def test_reads_never_change_the_journal_file(journal: Path) -> None:
    before = hashlib.sha256(journal.read_bytes()).hexdigest()
    figures.money_series(journal)
    figures.version_figures(journal)
    figures.swaps(journal)
    figures.recent_faults(journal)
    assert hashlib.sha256(journal.read_bytes()).hexdigest() == before


def test_a_missing_journal_is_a_one_line_error_not_a_new_file(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="no journal"):
        figures.money_series(tmp_path / "journal.sqlite")
    assert not (tmp_path / "journal.sqlite").exists()


def test_a_running_tally_reads_new_rows_and_matches_a_fresh_read(journal: Path) -> None:
    running = figures.Figures().refresh(journal)
    more = [Bet("momentum", "1.1.0", 7_000, -1.04, False), Bet("momentum", "1.1.0", 8_000, +0.80, True)]
    write_bets(journal, more, first_id=len(BETS))
    running.refresh(journal)
    fresh = figures.Figures().refresh(journal)
    assert running.money() == fresh.money() and running.versions() == fresh.versions()
    assert running.versions()["momentum==1.1.0"]["bets"] == 3


def test_a_settlement_older_than_the_last_one_shown_redoes_the_series_in_time_order(journal: Path) -> None:
    running = figures.Figures().refresh(journal)
    write_bets(journal, [Bet("momentum", "1.0.0", 2_500, +0.90, True)], first_id=len(BETS))  # settled late
    money = running.refresh(journal).money()
    assert money.ts == sorted(money.ts) and 2_500 in money.ts
    assert money == figures.Figures().refresh(journal).money()


def test_another_journal_at_the_same_path_starts_the_tally_over(journal: Path, tmp_path: Path) -> None:
    running = figures.Figures().refresh(journal)
    journal.unlink()
    for extra in journal.parent.glob("journal.sqlite-*"):
        extra.unlink()
    write_bets(journal, [Bet("other", "2.0.0", 100, +0.5, True)], deposit=50.0)
    money = running.refresh(journal).money()
    assert (money.deposits, money.ts, list(money.by_spec)) == (50.0, [100], ["other==2.0.0"])


def test_recent_faults_name_the_version_newest_first(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite"
    journal = Journal(path)
    try:
        for end, fault in ((600, "on_candle raised KeyError: 'x'"), (900, None), (1200, "hook timed out after 5s")):
            journal.write_batch(end, [], [DecisionRow("BTC-5m", end - 300, "momentum", "1.1.0", [], [], fault)], [])
    finally:
        journal.close()
    faults = figures.recent_faults(path)
    assert [(f["spec"], f["batch_end"], f["fault"]) for f in faults] == [
        ("momentum==1.1.0", 1200, "hook timed out after 5s"),
        ("momentum==1.1.0", 600, "on_candle raised KeyError: 'x'"),
    ]
