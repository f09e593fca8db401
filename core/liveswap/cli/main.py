"""Entry point of the ``liveswap`` console script: lazy dispatch to one command module.

The parser lists every command from :data:`COMMANDS` without importing any implementation; only
the module of the command being run is imported (and registers its full arguments), so
``liveswap status`` never pays for the host, pydantic or the venue clients. The everyday
commands' plain command lines do not even pay for argparse: their modules list their shapes in
``FAST_ARGS``, read by :mod:`liveswap.cli.fastargs` (argparse, :mod:`liveswap.cli.parser`, reads
everything else, and prints every help and usage error).

Exit status: 0 done; 1 refused or failed (reason on stderr); 2 usage error; 130 interrupted;
141 (128 + SIGPIPE) when the reader of the output went away (``liveswap journal export | head``),
silently, like any Unix tool.
"""

from __future__ import annotations

import os
import sys

from liveswap.exceptions import LiveswapError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: every command starts here
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from typing import Any

BROKEN_PIPE_EXIT = 141

# command -> (module with ``register(subparsers)`` adding it with ``set_defaults(func=...)``, one-line help).
# A module may register several commands; the help here is what ``liveswap --help`` lists
# (tests/cli/test_main.py checks it matches the module's own).
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("liveswap.cli.run_cmd", "run the host in the foreground until SIGINT/SIGTERM"),
    "status": ("liveswap.cli.status_cmd", "what the running host is doing"),
    "logs": ("liveswap.cli.logs_cmd", "the host's log (or the active worker's), optionally following it"),
    "registry": ("liveswap.cli.registry_cmd", "list, add or prune strategy versions"),
    "check": ("liveswap.cli.registry_cmd", "the full compatibility report of a wheel or NAME[==VERSION]"),
    "activate": ("liveswap.cli.control_cmd",
                 "make NAME[==VERSION] the active strategy (newest compatible if no version)"),
    "rollback": ("liveswap.cli.control_cmd",
                 "back to the version active before the current one (or --to VERSION)"),
    "pause": ("liveswap.cli.control_cmd",
              "stop opening new positions (all markets, or --market M); open ones settle"),
    "resume": ("liveswap.cli.control_cmd", "open new positions again (all markets, or --market M); "
               "--lift-daily-loss also lifts a tripped daily loss latch"),
    "set": ("liveswap.cli.control_cmd", "change strategy params or risk limits: set stake=2 risk.stake_cap=3"),
    "shadow": ("liveswap.cli.rollout_cmd", "run NAME[==VERSION] beside the active version on the same candles, "
               "filled hypothetically (never sent)"),
    "canary": ("liveswap.cli.rollout_cmd", "let NAME[==VERSION] trade for real on --market M only; the active "
               "version trades the rest"),
    "promote": ("liveswap.cli.rollout_cmd", "make the candidate the active version (hot swap keeping its own state)"),
    "reject": ("liveswap.cli.rollout_cmd", "stop the candidate; the active version carries on"),
    "rollout": ("liveswap.cli.rollout_cmd", "the candidate, its figures beside the active version's, and the verdict"),
    "history": ("liveswap.cli.journal_cmd", "every activation, rollback and refusal, newest first, with reasons"),
    "journal": ("liveswap.cli.journal_cmd", "the durable journal: export its tables (fills, orders, swaps, risk...) "
                "as CSV or JSON lines"),
    "record": ("liveswap.cli.record_cmd",
               "capture a feed's candles (a venue, or the synthetic feed) to a replay CSV file"),
    "backtest": ("liveswap.cli.backtest_cmd", "replay recorded candles through NAME[==VERSION] (and --against "
                 "another) in sandboxed workers with live paper fills; changes no live state"),
    "new": ("liveswap.cli.new_cmd",
            "scaffold a strategy project (pyproject, strategy with every hook, tests, README)"),
    "demo": ("liveswap.cli.demo_cmd", "a short scripted tour in a throwaway home that ends by itself"),
    "fleet": ("liveswap.cli.fleet_cmd", "the fleet of hosts (NATS): status, rollout host by host, undo"),
    "web": ("liveswap.cli.web_cmd", "a web dashboard of the home (127.0.0.1 by default); actions need its token"),
}


def command_of(argv: Sequence[str]) -> str | None:
    """The command word: the first argument that is not a top-level option (only -h and --version exist);
    None if there is none, or if the top-level help comes before it (``liveswap --help status`` lists all)."""
    for arg in argv:
        if arg in ("-h", "--help"):
            return None
        if not arg.startswith("-"):
            return arg
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """argparse's parser (:func:`liveswap.cli.parser.build_parser`): imported only when needed."""
    from liveswap.cli.parser import build_parser as build

    return build(command)


def parse_fast(argv: list[str], command: str | None) -> Any:
    """The command line read by :mod:`liveswap.cli.fastargs` if ``command``'s module lists its shape
    in ``FAST_ARGS`` and the line is plain, else None (argparse reads it)."""
    if command not in COMMANDS:
        return None
    module = __import__(COMMANDS[command][0], fromlist=["FAST_ARGS"])
    found = getattr(module, "FAST_ARGS", {}).get(command)
    if found is None:
        return None
    from liveswap.cli.fastargs import parse

    shape, func = found
    return parse(argv, command, shape, func)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        command = command_of(argv)
        args = parse_fast(argv, command)
        if args is None:
            parser = build_parser(command)
            try:
                args = parser.parse_args(argv)
            except SystemExit as exc:  # --help, --version or a usage error: flush here, where a closed pipe is caught
                sys.stdout.flush()
                return exc.code if isinstance(exc.code, int) else 0
            if not getattr(args, "func", None):
                parser.print_help(sys.stderr)
                return 2
        try:
            code = int(args.func(args) or 0)
        except LiveswapError as exc:  # CommandError and every other refusal: one line, exit 1 (a UsageError: 2)
            sys.stdout.flush()
            from liveswap.cli.render import say

            say(f"liveswap: {exc}", file=sys.stderr)
            code = getattr(exc, "exit_code", 1)
        sys.stdout.flush()  # inside the try: a reader gone away shows here, not at exit
        return code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        _silence_closed_pipes()
        return BROKEN_PIPE_EXIT


def _silence_closed_pipes() -> None:
    """Point stdout (and stderr) at /dev/null so the interpreter's final flush cannot complain."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        try:
            os.dup2(devnull, stream.fileno())
        except (OSError, ValueError, AttributeError):
            continue
    os.close(devnull)


if __name__ == "__main__":
    sys.exit(main())
