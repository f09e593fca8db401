"""Entry point of the ``liveswap`` console script.

Exit status: 0 done; 1 refused or failed (reason on stderr); 2 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from liveswap import __version__
from liveswap.cli.common import CommandError

# Each module has ``register(subparsers)`` adding its commands with ``set_defaults(func=...)``.
COMMAND_MODULES: tuple[str, ...] = (
    "liveswap.cli.run_cmd",
    "liveswap.cli.status_cmd",
    "liveswap.cli.registry_cmd",
    "liveswap.cli.record_cmd",
    "liveswap.cli.journal_cmd",
    "liveswap.cli.demo_cmd",
    "liveswap.cli.new_cmd",
    "liveswap.cli.control_cmd",
    "liveswap.cli.rollout_cmd",
    "liveswap.cli.web_cmd",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="liveswap",
        description="Host for live trading strategies that swaps strategy code while trading.",
    )
    parser.add_argument("--version", action="version", version=f"liveswap {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except CommandError as exc:
        print(f"liveswap: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
