"""``liveswap history`` and ``liveswap journal export``: the journal, for operators and audits."""

from __future__ import annotations

import os
import sys
import time

from liveswap.cli.common import HOME_FLAGS, HOME_VALUES, add_home, add_json, home_str, print_json
from liveswap.cli.fastargs import Shape
from liveswap.cli.render import table, terminal_width

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (argparse: only for the annotations)
if TYPE_CHECKING:
    import argparse

EXPORT_TABLES = ("controls", "decisions", "fills", "ledger", "missed", "orders", "risk", "settlements", "swaps")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    h = sub.add_parser("history", help="every activation, rollback and refusal, newest first, with reasons")
    add_home(h)
    add_json(h)
    h.set_defaults(func=show_history)

    j = sub.add_parser("journal", help="the durable journal: export its tables (fills, orders, swaps, "
                          "risk...) as CSV or JSON lines")
    actions = j.add_subparsers(dest="journal_action", metavar="ACTION")
    e = actions.add_parser("export", help="export a journal table as CSV or JSON lines (to stdout or --out)")
    add_home(e)
    e.add_argument("table", nargs="?", default="fills", choices=EXPORT_TABLES, help="what to export (fills)")
    e.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    e.add_argument("--out", metavar="FILE", help="write here instead of stdout")
    e.set_defaults(func=export)
    j.set_defaults(func=lambda _args: j.print_help() or 2)


def _journal(home: str | None) -> str:
    """``state/journal.sqlite`` of the home (a string: pathlib costs ``history`` milliseconds)."""
    from liveswap.home import JOURNAL_FILE, STATE_DIR

    return os.path.join(home_str(home), STATE_DIR, JOURNAL_FILE)


def show_history(args: argparse.Namespace) -> int:
    from liveswap.journal import history

    entries = history(_journal(args.home))  # a JournalError is a one-line refusal (cli.main)
    if args.json:
        print_json(entries)
        return 0
    print(render_history(entries, width=terminal_width()))
    return 0


def render_history(entries: list[dict], width: int | None = None) -> str:
    """The history table; every value from the journal is shown as plain text (never markup)."""
    out = []
    for e in entries:
        when = time.strftime("%m-%d %H:%M:%S", time.localtime(e["ts"]))
        if e["what"] in ("swap", "candidate"):
            pause = "" if e["pause_ms"] is None else f"{e['pause_ms']:.2f}"
            said = "; ".join(part for part in (e["reason"], e.get("state")) if part)  # why, then how state crossed
            out.append((when, e["kind"], e["from_version"] or "", e["to_version"] or "",
                        "yes" if e["ok"] else "REFUSED", pause, said))
        else:
            out.append((when, f"control gen {e['generation']}", "", "", "REFUSED", "", e["reason"] or ""))
    return table("history (newest first)", ("when", "what", "from", "to", "ok", "pause ms", "reason"), out,
                 right=("pause ms",), width=width)


def export(args: argparse.Namespace) -> int:
    import csv
    import json

    from liveswap.journal.reader import rows

    data = rows(_journal(args.home), args.table)
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


FAST_ARGS = {"history": (Shape(flags=HOME_FLAGS, values=HOME_VALUES), show_history)}
"""``history``'s command lines, for :mod:`liveswap.cli.fastargs` (the options of :func:`register`)."""
