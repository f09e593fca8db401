"""The ``liveswap`` argument parser (argparse), imported only when a command line needs it.

:func:`build_parser` lists every command of :data:`liveswap.cli.main.COMMANDS` and lets the module
of the command being run register its full arguments; the everyday commands' plain command lines
never come here (:mod:`liveswap.cli.fastargs`).
"""

from __future__ import annotations

import argparse
import os
import sys

from liveswap import __version__
from liveswap.cli.main import COMMANDS


class Formatter(argparse.HelpFormatter):
    """argparse's formatter, sized with ``os.get_terminal_size`` instead of importing shutil (which
    pulls in the compression modules: milliseconds every command would pay)."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        if width is None:
            try:
                width = os.get_terminal_size(sys.stderr.fileno()).columns - 2
            except (OSError, ValueError, AttributeError):
                width = int(os.environ.get("COLUMNS") or 80) - 2
        super().__init__(prog, indent_increment, max_help_position, width)


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose sub-parsers (``add_subparsers`` makes them of this class) format with
    :class:`Formatter` too: argparse builds a formatter for every ``add_argument``."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", Formatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only ``command``'s module is imported (and registers its full arguments). For a
    known command, only the commands of its module are listed (the others could not be parsed on
    this command line anyway); without one, every command, each as a bare listing."""
    parser = Parser(
        prog="liveswap",
        description="Host for live trading strategies that swaps strategy code while trading.",
    )
    parser.add_argument("--version", action="version", version=f"liveswap {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    if command in COMMANDS:  # only its module's commands: argparse's per-parser set-up (gettext lookups
        __import__(COMMANDS[command][0], fromlist=["register"]).register(sub)  # included) costs ~0.3 ms each
        return parser
    for name, (_module, help_text) in COMMANDS.items():  # no or an unknown command: the listing, or argparse's
        sub.add_parser(name, help=help_text)              # "invalid choice" naming every command
    return parser
