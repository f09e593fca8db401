"""``liveswap history`` and ``liveswap journal export`` read what the engine journaled."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from liveswap.host import connect
from liveswap.swap.loader import InProcessLoader
from liveswap.swap.manager import SwapManager

from tests.support.engine_helpers import Probe, advance, make_engine, probe_version

CLI = [sys.executable, "-m", "liveswap.cli.main"]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60)


def test_history_and_export(home: Path) -> None:
    loader = InProcessLoader({"probe==1.0.0": Probe, "probe==1.1.0": Probe})
    engine = make_engine(home)
    engine.journal.record_swap(kind="start", from_version=None, to_version="probe==1.0.0", ok=True,
                               reason="first", batch_end=engine.cursor)
    swaps = SwapManager(engine, loader, probation_batches=1)
    connect(engine, swaps=swaps)
    advance(engine, 1800)
    done: list[str | None] = []
    swaps.request(kind="activate", spec="probe==1.1.0", generation=1, done=done.append)
    swaps.wait_prepared()
    swaps.tick(engine)
    swaps.request(kind="activate", spec="probe==7.0.0", generation=2, done=done.append)
    swaps.wait_prepared()
    swaps.tick(engine)
    advance(engine, 1800)
    assert done[0] is None and "unknown strategy version" in (done[1] or "")

    out = run_cli("history", "--json", "--home", str(home))
    assert out.returncode == 0, out.stderr
    entries = json.loads(out.stdout)
    assert [(e["kind"], e["to_version"], bool(e["ok"])) for e in entries] == [
        ("activate", "probe==7.0.0", False), ("activate", "probe==1.1.0", True), ("start", "probe==1.0.0", True)]
    assert entries[0]["pause_ms"] is None  # refused: nothing paused

    out = run_cli("journal", "export", "fills", "--home", str(home))
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert len(rows) == len(engine.journal.fills()) > 0
    assert {r["version"] for r in rows} == {"1.0.0", "1.1.0"}

    target = home / "settlements.jsonl"
    out = run_cli("journal", "export", "settlements", "--format", "jsonl", "--out", str(target), "--home", str(home))
    assert out.returncode == 0 and "rows written" in out.stderr
    lines = [json.loads(x) for x in target.read_text().splitlines()]
    assert sum(Decimal(repr(x["pnl"])) for x in lines) == engine.ledger.realized_pnl


def test_history_shows_the_pause_of_every_swap_in_ms(home: Path) -> None:
    """Issue 11 (a): every committed swap (activation, automatic rollback, restart) is journaled
    with the pause it cost, and ``liveswap history`` prints it."""
    loader = InProcessLoader({"probe==1.0.0": Probe, "probe==1.1.0": probe_version("1.1.0", fail_after=40)})
    engine = make_engine(home)
    engine.journal.record_swap(kind="start", from_version=None, to_version="probe==1.0.0", ok=True,
                               batch_end=engine.cursor)
    swaps = SwapManager(engine, loader, probation_batches=30)
    connect(engine, swaps=swaps)
    advance(engine, 900)
    done: list[str | None] = []
    swaps.request(kind="activate", spec="probe==1.1.0", generation=1, done=done.append)
    swaps.wait_prepared()
    swaps.tick(engine)
    advance(engine, 3600)  # 1.1.0 fails during probation: rolled back to 1.0.0
    assert done == [None] and engine.active.spec == "probe==1.0.0"

    out = run_cli("history", "--json", "--home", str(home))
    assert out.returncode == 0, out.stderr
    swapped = [e for e in json.loads(out.stdout) if e["kind"] in ("activate", "auto-rollback")]
    assert [e["kind"] for e in swapped] == ["auto-rollback", "activate"]
    assert all(isinstance(e["pause_ms"], float) and e["pause_ms"] > 0 for e in swapped), swapped

    text = run_cli("history", "--home", str(home)).stdout
    for e in swapped:
        assert f"{e['pause_ms']:.2f}" in text


def test_no_journal_is_a_clear_refusal(tmp_path: Path) -> None:
    out = run_cli("history", "--home", str(tmp_path))
    assert out.returncode == 1 and "no journal at" in out.stderr and out.stderr[-1] == "\n"


HOSTILE = "worker raised RuntimeError: [/] closing tag [bold]x \x1b[31m"


def test_history_shows_markup_and_control_characters_from_strategies_verbatim(
        home: Path, cli_env: dict[str, str]) -> None:
    """Issue 13: a reason holding rich markup or terminal escapes is printed as written, never interpreted."""
    from liveswap.journal import Journal

    journal = Journal(home / "state" / "journal.sqlite")
    journal.record_swap(kind="start", from_version=None, to_version="momentum==1.0.0", ok=True,
                        reason="first version of this home", batch_end=0)
    journal.record_swap(kind="activate", from_version="momentum==1.0.0", to_version="momentum==1.1.0", ok=False,
                        reason=HOSTILE, batch_end=300)
    journal.record_swap(kind="activate", from_version="momentum==1.0.0", to_version="momentum==1.2.0", ok=True,
                        pause_ms=3.14159, batch_end=600)
    journal.record_control(generation=9, ok=False, reason="control.json [red]active[/red]: bad")
    journal.close()
    done = subprocess.run([*CLI, "history"], capture_output=True, text=True, env=cli_env, timeout=60)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "[/] closing tag [bold]x \\x1b[31m" in out and "\x1b" not in out
    assert "control.json [red]active[/red]: bad" in out
    assert "3.14" in out and "REFUSED" in out
    assert out.splitlines()[0] == "history (newest first)"
    done = subprocess.run([*CLI, "history", "--json"], capture_output=True, text=True, env=cli_env, timeout=60)
    assert HOSTILE in [e["reason"] for e in json.loads(done.stdout)]  # --json keeps the text as it is


def test_every_table_the_reader_exports_is_a_choice_of_journal_export(tmp_path: Path) -> None:
    """The README's ``journal export [...|missed|risk]``: the command offers every export the reader has
    (missed and risk were refused as invalid choices)."""
    from liveswap.cli.journal_cmd import EXPORT_TABLES
    from liveswap.journal.reader import EXPORTS

    assert set(EXPORT_TABLES) == set(EXPORTS)
    for table in ("missed", "risk"):
        out = run_cli("journal", "export", table, "--home", str(tmp_path))
        assert out.returncode == 1 and "no journal at" in out.stderr, out.stderr  # past the choice, to the journal
