"""``liveswap fleet status | rollout | undo``: the fleet seen and steered through NATS only.

The connection comes from the same settings as the host's (``LIVESWAP_FLEET__URL`` and the rest,
or ``[fleet]`` in the home's liveswap.toml); credentials are never printed.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from liveswap.cli.common import CommandError, UsageError, add_home, add_json, print_json
from liveswap.cli.render import say
from liveswap.exceptions import LiveswapError
from liveswap.settings import FleetSettings, load_settings


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    from liveswap.rollout import add_analysis_flags

    fleet = sub.add_parser("fleet", help="the fleet of hosts (NATS): status, rollout host by host, undo")
    commands = fleet.add_subparsers(dest="fleet_command", metavar="COMMAND", required=True)
    p = commands.add_parser("status", help="every host: alive, active version, markets it owns, money")
    add_home(p)
    add_json(p)
    p.set_defaults(func=status)
    p = commands.add_parser("rollout", help="roll NAME[==VERSION] out host by host: canary hosts first, then the "
                                            "rest; a failure sets every host back")
    p.add_argument("spec", metavar="NAME[==VERSION]")
    p.add_argument("--canary-hosts", type=int, default=1, metavar="N", help="hosts judged as a canary (default 1)")
    add_analysis_flags(p)
    p.add_argument("--wait", type=float, default=600.0, metavar="S", help="longest wait for one step (default 600)")
    add_home(p)
    p.set_defaults(func=rollout)
    p = commands.add_parser("undo", help="every host back to the fleet's previous version")
    p.add_argument("--wait", type=float, default=120.0, metavar="S", help="longest wait (default 120)")
    add_home(p)
    p.set_defaults(func=undo)


def _fleet(args: argparse.Namespace) -> FleetSettings:
    fleet = load_settings(args.home).fleet
    if not fleet.url:
        raise CommandError("no fleet: set LIVESWAP_FLEET__URL=nats://HOST:PORT (or [fleet] url in liveswap.toml)")
    return fleet


def _say(line: str) -> None:
    say(line)
    sys.stdout.flush()


def status(args: argparse.Namespace) -> int:
    from liveswap.fleet import admin

    doc = _call(admin.run, admin.status(_fleet(args)))
    if args.json:
        print_json(doc)
        return 0
    say(render(doc))
    return 0


def render(doc: dict[str, Any]) -> str:
    desired = doc.get("desired") or {}
    lines = [f"fleet {doc['fleet']}: desired {desired.get('active') or '-'} (generation "
             f"{desired.get('generation', 0)}{', previous ' + desired['previous'] if desired.get('previous') else ''})"]
    for h in doc["hosts"]:
        money = f"balance {h['balance']:.2f} pnl {h['realized_pnl']:+.2f}" if h.get("balance") is not None else ""
        markets = ", ".join(f"{m}@{r}" for m, r in sorted(h["markets"].items())) or "no markets"
        state = "alive" if h["alive"] else "DEAD"
        lines.append(f"  {h['host_id']:<20} {state:<5} {h.get('active') or '-':<22} gen {h.get('observed_generation')}"
                     f"  {money}\n      {markets}" + (f"\n      error: {h['error']}" if h.get("error") else ""))
    return "\n".join(lines)


def rollout(args: argparse.Namespace) -> int:
    from liveswap.fleet import admin
    from liveswap.rollout import AnalysisSpecError, spec_from_args
    from liveswap.specs import SpecError, parse_spec

    try:
        parse_spec(args.spec)
    except SpecError as exc:  # the command line itself: a usage error, as activate and shadow
        raise UsageError(str(exc)) from None
    try:
        analysis = spec_from_args(args).model_dump()
    except (SpecError, AnalysisSpecError) as exc:
        raise CommandError(getattr(exc, "reason", None) or str(exc)) from None
    if args.canary_hosts < 1:
        raise CommandError("--canary-hosts must be at least 1")
    _call(admin.run, admin.rollout(_fleet(args), args.spec.strip(), canary_hosts=args.canary_hosts,
                                   analysis=analysis, wait=args.wait, say=_say))
    return 0


def undo(args: argparse.Namespace) -> int:
    from liveswap.fleet import admin

    _call(admin.run, admin.undo(_fleet(args), wait=args.wait, say=_say))
    return 0


def _call(run: Any, coro: Any) -> Any:
    try:
        return run(coro)
    except LiveswapError:
        raise
    except Exception as exc:  # noqa: BLE001 - a NATS error in one line, never a traceback with secrets
        say(f"liveswap: fleet: {type(exc).__name__}: {str(exc)[:200]}", file=sys.stderr)
        raise CommandError("the fleet could not be asked") from None
