"""``liveswap activate | rollback | pause | resume | set``: change the desired state in control.json.

Each command edits ``state/control.json`` under its lock and bumps ``generation``; it works with
or without a running host (without one, the change is applied at the next start). With
``--wait SECONDS`` it returns once the host applied the generation (exit 0), refused it (exit 1,
with the host's reason), or the time is up (exit 1).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from liveswap.cli.common import CommandError, add_home, add_json, print_json
from liveswap.exceptions import ControlError
from liveswap.home import changes
from liveswap.home.control import RISK_KEYS
from liveswap.home.control_store import update_control
from liveswap.home.status import read_status
from liveswap.home.wait import host_alive, wait_for_generation
from liveswap.settings import load_settings
from liveswap.specs import SpecError


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("activate", help="make NAME[==VERSION] the active strategy (newest compatible if no version)")
    p.add_argument("spec", metavar="NAME[==VERSION]")
    _common(p, activate)

    p = sub.add_parser("rollback", help="back to the version active before the current one (or --to VERSION)")
    p.add_argument("--to", metavar="VERSION", help="roll back to this version of the active strategy")
    _common(p, rollback)

    p = sub.add_parser("pause", help="stop opening new positions (all markets, or --market M); open ones settle")
    p.add_argument("--market", action="append", metavar="M", help="only this market (repeatable)")
    _common(p, pause)

    p = sub.add_parser("resume", help="open new positions again (all markets, or --market M)")
    p.add_argument("--market", action="append", metavar="M", help="only this market (repeatable)")
    _common(p, resume)

    p = sub.add_parser("set", help="change strategy params or risk limits: set stake=2 risk.stake_cap=3",
                       description="KEY=VALUE: VALUE is parsed as JSON where it parses, else taken as a string; "
                                   f"risk.KEY sets a host risk limit ({', '.join(RISK_KEYS)}); "
                                   "KEY=null removes a param or restores a risk limit to the host's setting.")
    p.add_argument("assignments", nargs="+", metavar="KEY=VALUE")
    _common(p, set_values)


def _common(p: argparse.ArgumentParser, func: Any) -> None:
    add_home(p)
    add_json(p)
    p.add_argument("--wait", type=float, metavar="SECONDS",
                   help="return once the running host applied (exit 0) or refused (exit 1) the change")
    p.set_defaults(func=func)


# ---- the commands ---------------------------------------------------------------------------

def activate(args: argparse.Namespace) -> int:
    try:
        change = changes.activate(args.spec)
    except SpecError as exc:
        raise CommandError(str(exc)) from None
    return _submit(args, change, f"activate {args.spec.strip()}")


def rollback(args: argparse.Namespace) -> int:
    to = args.to
    try:
        change = changes.rollback(to)
    except SpecError as exc:
        raise CommandError(str(exc)) from None
    return _submit(args, change, f"rollback to {to}" if to else "rollback to the previous version")


def pause(args: argparse.Namespace) -> int:
    markets = _markets(args)
    return _submit(args, changes.pause(markets), f"pause {', '.join(markets)}" if markets else "pause all markets")


def resume(args: argparse.Namespace) -> int:
    markets = _markets(args)
    what = f"resume {', '.join(markets)}" if markets else "resume all markets"
    return _submit(args, changes.resume(markets), what)


def set_values(args: argparse.Namespace) -> int:
    params, risk = parse_assignments(args.assignments)
    return _submit(args, changes.set_values(params, risk), "set " + " ".join(args.assignments))


# ---- helpers ----------------------------------------------------------------------------------

def parse_value(text: str) -> Any:
    """JSON where it parses (``2``, ``true``, ``[1,2]``, ``null``), else the string itself."""
    try:
        return json.loads(text, parse_constant=_not_finite)
    except ValueError:
        return text


def _not_finite(name: str) -> Any:
    raise ValueError(name)


def parse_assignments(items: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``["stake=2", "risk.stake_cap=3"]`` -> ``({"stake": 2}, {"stake_cap": 3})``."""
    params: dict[str, Any] = {}
    risk: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise CommandError(f"expected KEY=VALUE, got {item!r}")
        value = parse_value(raw)
        if key.startswith("risk."):
            limit = key.removeprefix("risk.")
            if limit not in RISK_KEYS:
                raise CommandError(f"unknown risk limit {limit!r} (known: {', '.join(RISK_KEYS)})")
            risk[limit] = value
        else:
            params[key] = value
    return params, risk


def _markets(args: argparse.Namespace) -> list[str]:
    markets = list(dict.fromkeys(args.market or []))
    if not markets:
        return []
    try:
        return changes.check_markets(markets, _home_markets(args))
    except ControlError as exc:
        raise CommandError(str(exc)) from None


def _home_markets(args: argparse.Namespace) -> list[str]:
    try:
        return list(load_settings(args.home).markets)
    except ValueError as exc:
        raise CommandError(f"invalid settings: {exc}".splitlines()[0]) from None


def _submit(args: argparse.Namespace, change: Any, what: str) -> int:
    try:
        settings = load_settings(args.home)
    except ValueError as exc:
        raise CommandError(f"invalid settings: {exc}".splitlines()[0]) from None
    state_dir = settings.state_dir
    try:
        doc = update_control(state_dir, change, markets=settings.markets)
    except ControlError as exc:
        raise CommandError(str(exc)) from None
    gen = doc.generation
    result: dict[str, Any] = {"generation": gen, "control": doc.to_json(), "applied": None, "message": ""}
    if args.wait is not None:
        outcome = wait_for_generation(state_dir, gen, args.wait)
        result.update(applied=outcome.ok, message=outcome.message)
        if args.json:
            print_json(result)
        if not outcome.ok:
            raise CommandError(f"{what}: {outcome.message}")
        if not args.json:
            print(f"{what}: {outcome.message}")
        return 0
    status = read_status(state_dir)
    if status is not None and host_alive(status):
        note = f"the running host (pid {status.pid}) applies it between batches"
    else:
        note = "no host is running: applied at the next start"
    result["message"] = f"generation {gen} recorded; {note}"
    if args.json:
        print_json(result)
    else:
        print(f"{what}: {result['message']}")
    return 0
