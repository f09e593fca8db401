"""``liveswap status [--json] [--watch [SECONDS]]``: what the host is doing, from ``state/status.json``.

The data comes through :mod:`liveswap.home.quick` (status.json as written, plain JSON: the shape
of :class:`liveswap.home.status.StatusDoc`); the rendering is the CLI's own
(:mod:`liveswap.cli.status_view`, plain text). Neither loads pydantic or rich, so ``status``
answers in a blink. ``--json`` prints the document plus ``alive``, ``heartbeat_age`` and
``desired_generation``; ``--watch`` redraws every SECONDS (default 2) until Ctrl-C.
"""

from __future__ import annotations

import os
import sys
import time

from liveswap.cli.common import HOME_FLAGS, HOME_VALUES, CommandError, add_home, add_json, home_str, print_json
from liveswap.cli.fastargs import Shape
from liveswap.home import quick

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

CLEAR = "\x1b[H\x1b[2J"


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("status", help="what the running host is doing")
    add_home(p)
    add_json(p)
    p.add_argument("--watch", nargs="?", type=float, const=2.0, metavar="SECONDS",
                   help="redraw every SECONDS (default 2) until Ctrl-C")
    p.set_defaults(func=status)


def observed(home: str | None) -> dict[str, Any]:
    """status.json with ``alive`` (heartbeat younger than 3 intervals), ``heartbeat_age`` and
    ``desired_generation`` (what control.json asks for)."""
    home_path = home_str(home)
    state_dir = os.path.join(home_path, "state")
    st = quick.read_status(state_dir)
    if st is None:
        raise CommandError(f"no host has run on {home_path} (no readable state/status.json)")
    return annotate(st, state_dir, time.time())


def annotate(st: dict[str, Any], state_dir: str, now: float) -> dict[str, Any]:
    try:
        st["heartbeat_age"] = round(now - float(st.get("heartbeat_at") or 0), 3)
    except (TypeError, ValueError):
        st["heartbeat_age"] = None
    st["alive"] = quick.alive(st, now)
    st["desired_generation"] = quick.desired_generation(state_dir)
    return st


def show(args: argparse.Namespace) -> None:
    from liveswap.cli.render import terminal_width
    from liveswap.cli.status_view import render

    st = observed(args.home)
    if args.json:
        print_json(st)
        return
    try:
        words = None
        if not st["alive"]:  # why it stopped: the host's exit reason, else its log's last line
            from liveswap.home.last_words import last_words

            words = last_words(os.path.join(home_str(args.home), "state"), st)
        text = render(st, desired=st["desired_generation"], width=terminal_width(), last_words=words)
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, OverflowError) as exc:
        # a hand edit or another program's file: JSON, but not the shape a host writes
        raise CommandError(f"state/status.json is not a status a host wrote ({type(exc).__name__}: "
                           f"{str(exc)[:120]!r}); `liveswap status --json` shows it as it is") from None
    print(text)


def status(args: argparse.Namespace) -> int:
    if args.watch is None:
        show(args)
        return 0
    interval = max(0.2, args.watch)
    clear = sys.stdout.isatty() and not args.json
    try:
        watch(args, interval, clear)
    except KeyboardInterrupt:  # the way to stop watching: not an error
        print()
    return 0


def watch(args: argparse.Namespace, interval: float, clear: bool) -> None:
    while True:
        if clear:
            sys.stdout.write(CLEAR)
        try:
            show(args)
        except CommandError as exc:  # no status yet: keep watching for a host to start
            print(f"liveswap: {exc}; watching")
        print(f"\n(every {interval:g} s; Ctrl-C to stop)" if not args.json else "", flush=True)
        time.sleep(interval)


FAST_ARGS = {"status": (Shape(flags=HOME_FLAGS, values=HOME_VALUES, slow={"--watch": None}), status)}
"""``status``'s plain command lines, for :mod:`liveswap.cli.fastargs` (the options of :func:`register`)."""
