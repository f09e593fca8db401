"""``liveswap history`` and ``liveswap journal export``: the journal, for operators and audits."""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from typing import Any

from rich.console import Console
from rich.table import Table

from liveswap.cli.common import CommandError, add_home, add_json, print_json
from liveswap.journal.reader import EXPORTS, history, rows
from liveswap.journal.store import JournalError
from liveswap.settings import resolve_home


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    h = sub.add_parser("history", help="every activation, rollback and refusal, newest first, with reasons")
    add_home(h)
    add_json(h)
    h.set_defaults(func=show_history)

    j = sub.add_parser("journal", help="the durable journal")
    actions = j.add_subparsers(dest="journal_action", metavar="ACTION")
    e = actions.add_parser("export", help="export a journal table as CSV or JSON lines (to stdout or --out)")
    add_home(e)
    e.add_argument("table", nargs="?", default="fills", choices=sorted(EXPORTS), help="what to export (fills)")
    e.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    e.add_argument("--out", metavar="FILE", help="write here instead of stdout")
    e.set_defaults(func=export)
    j.set_defaults(func=lambda _args: j.print_help() or 2)


def _journal(home: str | None) -> Any:
    return resolve_home(home) / "state" / "journal.sqlite"


def show_history(args: argparse.Namespace) -> int:
    try:
        entries = history(_journal(args.home))
    except JournalError as exc:
        raise CommandError(str(exc)) from exc
    if args.json:
        print_json(entries)
        return 0
    table = Table(title="history (newest first)", expand=True)
    for col in ("when", "what", "from", "to", "ok", "pause ms"):
        table.add_column(col, no_wrap=True)
    table.add_column("reason", ratio=1, overflow="fold")
    for e in entries:
        when = time.strftime("%m-%d %H:%M:%S", time.localtime(e["ts"]))
        if e["what"] == "swap":
            pause = "" if e["pause_ms"] is None else f"{e['pause_ms']:.2f}"
            table.add_row(when, e["kind"], e["from_version"] or "", e["to_version"], "yes" if e["ok"] else "REFUSED",
                          pause, e["reason"])
        else:
            table.add_row(when, f"control gen {e['generation']}", "", "", "REFUSED", "", e["reason"])
    Console(width=max(Console().width, 140)).print(table)
    return 0


def export(args: argparse.Namespace) -> int:
    try:
        data = rows(_journal(args.home), args.table)
    except JournalError as exc:
        raise CommandError(str(exc)) from exc
    out = open(args.out, "w", newline="", encoding="utf-8") if args.out else sys.stdout  # noqa: SIM115
    try:
        if args.format == "jsonl":
            for row in data:
                out.write(json.dumps(row, sort_keys=True) + "\n")
        else:
            writer = csv.writer(out)
            if data:
                writer.writerow(list(data[0]))
            for row in data:
                writer.writerow(list(row.values()))
    finally:
        if args.out:
            out.close()
    if args.out:
        print(f"{len(data)} {args.table} rows written to {args.out}", file=sys.stderr)
    return 0
