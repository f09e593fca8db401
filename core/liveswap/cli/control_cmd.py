"""``liveswap activate | rollback | pause | resume | set``: change the desired state in control.json.

Each command edits ``state/control.json`` under its lock and bumps ``generation``; it works with
or without a running host. Without one, the change is recorded and applied when a host starts,
and ``--wait`` says so at once instead of sitting out its time. With a running host, ``--wait
SECONDS`` returns once the host applied the generation (exit 0: an activation or rollback says
from which version to which and how long trading paused), refused it (exit 1, with the host's
reason), or the time is up (exit 1).

Fast by design: the command line is read by :mod:`liveswap.cli.fastargs` when it is plain, and
the edit goes through :mod:`liveswap.home.quick` (standard library only) when it can vouch for
the file and the result; otherwise through the full model
(:func:`liveswap.home.control_store.update_control`), which also words any refusal, and rebuilds
a missing control.json from what the host last applied.
"""

from __future__ import annotations

import os

from liveswap.cli.common import (
    HOME_FLAGS,
    HOME_VALUES,
    CommandError,
    UsageError,
    add_home,
    add_json,
    home_str,
    print_json,
)
from liveswap.cli.fastargs import Shape
from liveswap.cli.render import say
from liveswap.home import RISK_KEYS, changes, plainjson, quick

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any


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

    p = sub.add_parser("resume", help="open new positions again (all markets, or --market M); "
                       "--lift-daily-loss also lifts a tripped daily loss latch")
    p.add_argument("--market", action="append", metavar="M", help="only this market (repeatable)")
    p.add_argument("--lift-daily-loss", action="store_true",
                   help="also lift a tripped daily loss latch (a plain resume never does): trading starts again "
                        "today, counting the loss from now")
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
                   help="return once the running host applied (exit 0) or refused (exit 1) the change; "
                        "at once when no host is running")
    p.set_defaults(func=func)


def _shape(**kwargs: Any) -> Shape:
    """:func:`_common`'s options (``--home``, ``--json``, ``--wait``) and the command's own."""
    values = {**HOME_VALUES, "--wait": float, **kwargs.pop("values", {})}
    return Shape(flags=(*HOME_FLAGS, *kwargs.pop("flags", ())), values=values, **kwargs)


# ---- the commands ---------------------------------------------------------------------------

def activate(args: argparse.Namespace) -> int:
    spec = args.spec.strip()
    if not quick.surely_spec(spec):
        from liveswap.specs import SpecError, parse_spec

        try:
            parse_spec(spec)
        except SpecError as exc:
            raise UsageError(str(exc)) from None

    def change(doc: dict[str, Any], generation: int) -> dict[str, Any]:
        return {**doc, "active": spec, "active_request": generation, "rollback": None}

    if not quick.surely_known(os.path.join(home_str(args.home), "state"), spec):
        _check_known(args, spec)  # not in the last scan's catalog: the registry decides, now
    return _submit(args, change, f"activate {spec}", swap=spec)


def _check_known(args: argparse.Namespace, spec: str) -> None:
    """Refuse at once (exit 1, control.json untouched) a name or version the registry does not
    have or refuses: with or without ``--wait``, a host could only refuse it later. (The registry is
    imported here only: the other commands stay on the fast path.)"""
    from liveswap.registry import Registry, RegistryError
    from liveswap.settings import load_settings

    try:
        settings = load_settings(args.home)
    except ValueError as exc:
        raise CommandError(f"invalid settings: {exc}".splitlines()[0]) from None
    registry = Registry.from_settings(settings)
    try:
        registry.resolve(spec)
    except RegistryError as exc:
        raise CommandError(f"activate {spec}: refused: {exc}") from None
    finally:  # the scan just made: the next activate of a version it found compatible skips the registry
        registry.write_catalog()


def rollback(args: argparse.Namespace) -> int:
    to = args.to
    if to is not None and not quick.surely_version(to):
        from liveswap.specs import SpecError, check_version

        try:
            check_version(to)
        except SpecError as exc:
            raise UsageError(str(exc)) from None

    def change(doc: dict[str, Any], generation: int) -> dict[str, Any]:
        return {**doc, "active": None, "active_request": None, "rollback": {"to": to, "request": generation}}

    return _submit(args, change, f"rollback to {to}" if to else "rollback to the previous version", swap="rollback")


def pause(args: argparse.Namespace) -> int:
    markets = _markets(args)
    return _submit(args, changes.pause(markets), f"pause {', '.join(markets)}" if markets else "pause all markets")


def resume(args: argparse.Namespace) -> int:
    markets = _markets(args)
    lift = bool(args.lift_daily_loss)
    what = (f"resume {', '.join(markets)}" if markets else "resume all markets") + \
        (" and lift the daily loss latch" if lift else "")
    code = _submit(args, changes.resume(markets, lift_daily_loss=lift), what)
    daily = (quick.read_status(os.path.join(home_str(args.home), "state")) or {}).get("daily_loss")
    if not lift and isinstance(daily, dict) and daily.get("tripped") and not args.json:
        print("note: the daily loss latch is still tripped (no new positions until the next UTC day); "
              "`liveswap resume --lift-daily-loss` lifts it")
    return code


def set_values(args: argparse.Namespace) -> int:
    params, risk = parse_assignments(args.assignments)
    what = "set " + " ".join(args.assignments)
    _check_ceilings(args, what, {k: v for k, v in risk.items() if v is not None})
    change = changes.set_values(params, risk)
    # a risk limit the fast path cannot vouch for within the model's bounds goes to the full model, which words
    # the refusal
    return _submit(args, change, what)


def _check_ceilings(args: argparse.Namespace, what: str, risk: dict[str, Any]) -> None:
    """Refuse at once, writing nothing, a risk limit above what the host accepts: the running host's start-up
    limits (status.json), else this home's settings (what the next host starts with)."""
    if not risk:
        return
    from liveswap.exceptions import ControlError

    state_dir = os.path.join(home_str(args.home), "state")
    running = quick.host_ceilings(state_dir)
    if running is not None:
        ceilings, source = running[0], f"the running host (pid {running[1]}) started with"
    else:
        ceilings, source = _settings(args).risk.model_dump(), "a host of this home starts with (its settings)"
    try:
        changes.check_ceilings(risk, ceilings, source)
    except ControlError as exc:
        raise CommandError(f"{what}: {exc}") from None


FAST_ARGS = {
    "activate": (_shape(positional="spec"), activate),
    "rollback": (_shape(values={"--to": str}), rollback),
    "pause": (_shape(appends=("--market",)), pause),
    "resume": (_shape(appends=("--market",), flags=("--lift-daily-loss",)), resume),
    "set": (_shape(positional="assignments", many=True), set_values),
}
"""Each command's plain command lines, for :mod:`liveswap.cli.fastargs`: the options :func:`register`
gives argparse (tests/cli/test_fastargs.py holds the two together)."""


# ---- helpers ----------------------------------------------------------------------------------

def parse_value(text: str) -> Any:
    """JSON where it parses (``2``, ``true``, ``[1,2]``, ``null``), else the string itself (``NaN`` too)."""
    try:
        return plainjson.loads(text, constants=False)
    except ValueError:
        return text


def parse_assignments(items: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``["stake=2", "risk.stake_cap=3"]`` -> ``({"stake": 2}, {"stake_cap": 3})``."""
    params: dict[str, Any] = {}
    risk: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"expected KEY=VALUE, got {item!r}")
        value = parse_value(raw)
        if key.startswith("risk."):
            limit = key.removeprefix("risk.")
            if limit not in RISK_KEYS:
                raise UsageError(f"unknown risk limit {limit!r} (known: {', '.join(RISK_KEYS)})")
            risk[limit] = value
        else:
            params[key] = value
    return params, risk


def _markets(args: argparse.Namespace) -> list[str]:
    markets = list(dict.fromkeys(args.market or []))
    if not markets:
        return []
    known = _host_markets(os.path.join(home_str(args.home), "state")) or _settings(args).markets
    for m in markets:
        if m not in known:
            raise CommandError(f"unknown market {m!r} (this home trades {', '.join(known)})")
    return markets


def _host_markets(state_dir: str) -> list[str] | None:
    """The markets the last host of this home traded (status.json), if it said."""
    markets = (quick.read_status(state_dir) or {}).get("markets")
    return markets if isinstance(markets, list) and all(isinstance(m, str) for m in markets) and markets else None


def _settings(args: argparse.Namespace) -> Any:
    from liveswap.settings import load_settings

    try:
        return load_settings(args.home)
    except ValueError as exc:
        raise CommandError(f"invalid settings: {exc}".splitlines()[0]) from None


def _full_update(args: argparse.Namespace, change: Any) -> dict[str, Any]:
    """The exact path: the settings' markets and the strict model (pydantic), with its reasons."""
    from liveswap.exceptions import ControlError
    from liveswap.home import update_control

    settings = _settings(args)
    try:
        return update_control(settings.state_dir, change, markets=settings.markets).to_json()
    except ControlError as exc:
        raise CommandError(str(exc)) from None


def _update(args: argparse.Namespace, state_dir: str, change: Any) -> dict[str, Any]:
    try:
        doc = quick.update_control_quick(state_dir, change, markets=_host_markets(state_dir))
    except TimeoutError:
        raise CommandError(f"state/{quick.CONTROL_LOCK_FILE} is held by another liveswap command for more than "
                           f"{quick.LOCK_TIMEOUT_SECONDS:g}s; try again") from None
    return doc if doc is not None else _full_update(args, change)


def _submit(args: argparse.Namespace, change: Any, what: str, *, swap: str | None = None) -> int:
    home = home_str(args.home)
    state_dir = os.path.join(home, "state")
    doc = _update(args, state_dir, change)
    gen = doc["generation"]
    result: dict[str, Any] = {"generation": gen, "control": doc, "applied": None, "message": "", "swap": None}
    pid = quick.host_running(state_dir)
    if pid is None:
        result["message"] = f"recorded (generation {gen}); no host is running on {home}: applied when one starts"
    elif args.wait is None:
        result["message"] = (f"recorded (generation {gen}); the running host (pid {pid}) applies it between "
                             "batches (--wait SECONDS to see it applied)")
    else:
        return _wait(args, state_dir, gen, what, swap, result)
    if args.json:
        print_json(result)
    else:
        say(f"{what}: {result['message']}")
    return 0


def _wait(args: argparse.Namespace, state_dir: str, gen: int, what: str, swap: str | None,
          result: dict[str, Any]) -> int:
    from liveswap.home import wait_for_generation

    outcome = wait_for_generation(state_dir, gen, args.wait)
    message = outcome.message
    if not outcome.ok and message.startswith("timed out"):  # name the host by its pid file: alive even if stopped
        pid = quick.host_running(state_dir)
        message = (f"timed out after {args.wait:g}s; the host ({f'pid {pid}' if pid else 'not running'}) has not "
                   f"applied generation {gen}")
    result.update(applied=outcome.ok, message=message)
    if outcome.ok and swap is not None:
        last = (quick.read_status(state_dir) or {}).get("last_swap")
        if isinstance(last, dict) and last.get("generation") == gen and last.get("ok"):
            result.update(swap=last, message=swap_message(last))
        elif swap != "rollback":
            result["message"] = f"{swap} was already active ({outcome.message})"
    if args.json:
        print_json(result)
    if not outcome.ok:
        raise CommandError(f"{what}: {message}")
    if not args.json:
        say(result["message"] if result["swap"] else f"{what}: {result['message']}")
    return 0


def _ms(x: float) -> str:
    return f"{x:.1f}" if x >= 1 else f"{x:.2f}"


def swap_message(last: dict[str, Any]) -> str:
    """``activated momentum==1.1.0 (from momentum==1.0.0), trading paused 3.1 ms; state carried directly
    (1.1.0 reads schema 1)``: the swap, its pause, and how the strategy's state crossed (``rolled back to``,
    ``promoted``)."""
    kind = str(last.get("kind"))
    verb = "rolled back to" if kind.endswith("rollback") else "promoted" if kind == "promote" else "activated"
    src = f" (from {last.get('from')})" if last.get("from") else ""
    pause = last.get("pause_ms")
    paused = f", trading paused {_ms(float(pause))} ms" if isinstance(pause, (int, float)) else ""
    state = last.get("state")
    return f"{verb} {last.get('to')}{src}{paused}" + (f"; {state}" if isinstance(state, str) and state else "")
