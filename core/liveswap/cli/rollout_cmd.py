"""``liveswap shadow | canary | promote | reject | rollout``: a candidate beside the active version.

``shadow``/``canary`` write a ``candidate`` object into ``state/control.json`` (one at a time; a
new one replaces the previous), ``promote`` asks the host to make it the active version keeping
its own live state, ``reject`` removes it. Like ``activate``, they work with or without a running
host, and with ``--wait SECONDS`` return once the host applied (0) or refused (1) the change.
``rollout`` shows the candidate, its figures beside the active version's over the same candles,
and the analysis verdict with its numbers, from ``state/status.json``.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from liveswap.cli.common import CommandError, UsageError, add_home, add_json, print_json
from liveswap.cli.render import say
from liveswap.exceptions import ControlError
from liveswap.home import changes, host_alive, read_status, update_control, wait_for_generation
from liveswap.rollout import AnalysisSpecError, add_analysis_flags, spec_from_args
from liveswap.settings import load_settings
from liveswap.specs import SpecError, parse_spec


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("shadow", help="run NAME[==VERSION] beside the active version on the same candles, "
                                      "filled hypothetically (never sent)")
    p.add_argument("spec", metavar="NAME[==VERSION]")
    _candidate_flags(p)
    _common(p, shadow)

    p = sub.add_parser("canary", help="let NAME[==VERSION] trade for real on --market M only; the active "
                                      "version trades the rest")
    p.add_argument("spec", metavar="NAME[==VERSION]")
    p.add_argument("--market", action="append", metavar="M", required=True, help="a market it trades (repeatable)")
    _candidate_flags(p)
    _common(p, canary)

    p = sub.add_parser("promote", help="make the candidate the active version (hot swap keeping its own state)")
    _common(p, promote)

    p = sub.add_parser("reject", help="stop the candidate; the active version carries on")
    _common(p, reject)

    p = sub.add_parser("rollout", help="the candidate, its figures beside the active version's, and the verdict")
    add_home(p)
    add_json(p)
    p.set_defaults(func=rollout)


def _candidate_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--auto-promote", action="store_true",
                   help="promote on a successful verdict, reject on a failed one (inconclusive waits for you)")
    add_analysis_flags(p)


def _common(p: argparse.ArgumentParser, func: Any) -> None:
    add_home(p)
    add_json(p)
    p.add_argument("--wait", type=float, metavar="SECONDS",
                   help="return once the running host applied (exit 0) or refused (exit 1) the change; "
                        "at once when no host is running")
    p.set_defaults(func=func)


# ---- the commands ---------------------------------------------------------------------------

def shadow(args: argparse.Namespace) -> int:
    return _start(args, "shadow", [])


def canary(args: argparse.Namespace) -> int:
    markets = list(dict.fromkeys(args.market))
    known = _settings(args).markets
    for m in markets:
        if m not in known:
            raise CommandError(f"unknown market {m!r} (this home trades {', '.join(known)})")
    if len(markets) >= len(known):
        raise CommandError("a canary must leave at least one market to the active version")
    return _start(args, "canary", markets)


def _start(args: argparse.Namespace, mode: str, markets: list[str]) -> int:
    try:
        parse_spec(args.spec)
    except SpecError as exc:  # the command line itself: a usage error
        raise UsageError(str(exc)) from None
    try:
        analysis = spec_from_args(args)
    except (SpecError, AnalysisSpecError) as exc:  # an analysis file or flag the host would refuse
        raise CommandError(getattr(exc, "reason", None) or str(exc)) from None
    spec = args.spec.strip()

    change = changes.start_candidate(spec, mode=mode, markets=markets, analysis=analysis.model_dump(),
                                     auto_promote=bool(args.auto_promote))

    what = f"{mode} {spec}" + (f" on {', '.join(markets)}" if markets else "")
    return _submit(args, change, what)


def promote(args: argparse.Namespace) -> int:
    return _submit(args, changes.decide_candidate("promote"), "promote")


def reject(args: argparse.Namespace) -> int:
    return _submit(args, changes.decide_candidate("reject"), "reject")


def rollout(args: argparse.Namespace) -> int:
    settings = _settings(args)
    status = read_status(settings.state_dir)
    candidate = None if status is None else status.candidate
    if args.json:
        print_json({"running": bool(status is not None and host_alive(status)), "candidate": candidate})
        return 0
    if status is None:
        raise CommandError("no status.json in this home: no host has run here")
    if not candidate:
        print("no candidate (start one with: liveswap shadow NAME==VERSION)")
        return 0
    if not host_alive(status):
        print("(no host is running: the figures are those of its last status; the candidate resumes at the next start)")
    say(render(candidate))
    return 0


# ---- rendering ------------------------------------------------------------------------------------

def render(c: dict[str, Any]) -> str:
    """The candidate object of status.json as the operator reads it."""
    since = time.strftime("%H:%M:%S", time.localtime(c["since"])) if c.get("since") else "-"
    lines = [f"candidate  {c['spec']}  ({c.get('mode', 'shadow')}, {c.get('phase', '?')}, since {since}"
             + (", auto-promote" if c.get("auto_promote") else "") + ")"]
    if c.get("markets"):
        lines.append(f"markets    {', '.join(c['markets'])}")
    if c.get("guard_of"):
        lines.append(f"guard      the replaced version shadows {c['guard_of']} since its promotion: rolled back "
                     "to it if the promoted version is behind beyond the margin")
    lines.append(f"verdict    {c.get('verdict', 'running')}")
    lines.append(f"           {c.get('reason', '')}")
    money = c.get("money")
    if money:
        est = "-" if money.get("estimate") is None else f"{money['estimate']:+.4f}"
        lines.append(f"money      mean difference {est} per batch (per dollar staked, candidate - active), "
                     f"bounds [{money['lower']:+.4f}, {money['upper']:+.4f}], {money['batches']} paired batches "
                     f"({money.get('paired_candles', 0)} candles)")
        lines.append(f"           declared: alpha {money['alpha']:g} (false promotion), beta {money['beta']:g} "
                     f"(false failure), min_edge {money['min_edge']:+g}, margin {money['margin']:+g}, "
                     f"horizon {money['horizon']} batches")
    if c.get("ended_reason"):
        lines.append(f"ended      {c['ended_reason']}")
    figures = c.get("figures")
    if figures:
        cand, act = figures["candidate"], figures["active"]
        lines += ["", f"{'':16}{'candidate ' + cand['spec']:>32}{'active ' + act['spec']:>32}"]
        for key, label in (("bets", "bets"), ("win_rate", "win rate"), ("pnl", "pnl"), ("fees", "fees"),
                           ("max_drawdown", "max drawdown"), ("faults", "faults"), ("candles", "candles")):
            lines.append(f"{label:16}{_fmt(cand.get(key), key):>32}{_fmt(act.get(key), key):>32}")
        lines.append(f"{'pnl difference':16}{_fmt(figures.get('pnl_difference')):>32}")
    analysis = c.get("analysis")
    if analysis:
        lines += ["", f"{'metric':16}{'phase':20}{'value':>10}  {'ok/failed/inconcl.':>18}  condition"]
        for m in analysis["metrics"]:
            counts = f"{m['successful']}/{m['failed']}/{m['inconclusive']}"
            phase = m["phase"] + (" (dry run)" if m.get("dry_run") else "")
            value = _fmt(m.get("value"), "rate" if m["name"] == "fault_rate" else "")
            lines.append(f"{m['name']:16}{phase:20}{value:>10}  {counts:>18}  {m.get('condition', '')}")
    return "\n".join(lines)


def _fmt(value: Any, key: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}" if key in ("win_rate", "rate") else f"{value:+.2f}" if key == "" else f"{value:.2f}"
    return str(value)


# ---- helpers ----------------------------------------------------------------------------------

def _promoted(state_dir: Any, generation: int) -> str | None:
    """``promoted momentum==1.1.0 (from momentum==1.0.0), trading paused 0.05 ms``: the swap the promotion made."""
    from liveswap.cli.control_cmd import swap_message

    status = read_status(state_dir)
    last = status.to_json().get("last_swap") if status is not None else None
    if isinstance(last, dict) and last.get("kind") == "promote" and last.get("generation") == generation \
            and last.get("ok"):
        return swap_message(last)
    return None


def _settings(args: argparse.Namespace) -> Any:
    try:
        return load_settings(args.home)
    except ValueError as exc:
        raise CommandError(f"invalid settings: {exc}".splitlines()[0]) from None


def _submit(args: argparse.Namespace, change: Any, what: str) -> int:
    settings = _settings(args)
    state_dir = settings.state_dir
    try:
        doc = update_control(state_dir, change, markets=settings.markets)
    except ControlError as exc:
        raise CommandError(str(exc)) from None
    gen = doc.generation
    result: dict[str, Any] = {"generation": gen, "control": doc.to_json(), "applied": None, "message": ""}
    status = read_status(state_dir)
    alive = status is not None and host_alive(status)
    if args.wait is not None and alive:  # no host: nothing can apply it now, so --wait returns at once (as activate)
        outcome = wait_for_generation(state_dir, gen, args.wait)
        result.update(applied=outcome.ok, message=outcome.message)
        if args.json:
            print_json(result)
        if not outcome.ok:
            raise CommandError(f"{what}: {outcome.message}")
        if not args.json:
            say((_promoted(state_dir, gen) if what == "promote" else None) or f"{what}: {outcome.message}")
        return 0
    if status is not None and alive:
        note = f"the running host (pid {status.pid}) applies it between batches (--wait SECONDS to see it applied)"
    else:
        note = f"no host is running on {settings.home}: applied when one starts"
    result["message"] = f"recorded (generation {gen}); {note}"
    if args.json:
        print_json(result)
    else:
        say(f"{what}: {result['message']}")
    return 0
