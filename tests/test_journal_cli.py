"""``liveswap history`` and ``liveswap journal export`` read what the engine journaled."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from liveswap.swap.loader import InProcessLoader
from liveswap.swap.manager import SwapManager

from .engine_helpers import Probe, advance, make_engine

CLI = [sys.executable, "-m", "liveswap.cli.main"]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=60)


def test_history_and_export(home: Path) -> None:
    loader = InProcessLoader({"probe==1.0.0": Probe, "probe==1.1.0": Probe})
    engine = make_engine(home)
    engine.journal.record_swap("start", None, "probe==1.0.0", True, "first", None, engine.cursor)
    swaps = SwapManager(engine, loader, probation_batches=1)
    advance(engine, 1800)
    done: list[str | None] = []
    swaps.request("activate", "probe==1.1.0", 1, done.append)
    swaps.wait_prepared()
    swaps.tick(engine)
    swaps.request("activate", "probe==7.0.0", 2, done.append)
    swaps.wait_prepared()
    swaps.tick(engine)
    advance(engine, 1800)
    assert done[0] is None and "unknown strategy version" in (done[1] or "")

    out = run_cli("history", "--json", "--home", str(home))
    assert out.returncode == 0, out.stderr
    entries = json.loads(out.stdout)
    assert [(e["kind"], e["to_version"], bool(e["ok"])) for e in entries] == [
        ("activate", "probe==7.0.0", False), ("activate", "probe==1.1.0", True), ("start", "probe==1.0.0", True)]
    assert entries[1]["pause_ms"] is None or entries[1]["pause_ms"] >= 0

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


def test_no_journal_is_a_clear_refusal(tmp_path: Path) -> None:
    out = run_cli("history", "--home", str(tmp_path))
    assert out.returncode == 1 and "no journal at" in out.stderr and out.stderr[-1] == "\n"
