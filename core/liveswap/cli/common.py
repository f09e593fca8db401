"""What every command shares: ``--home``/``--json`` flags, the refusal exception, JSON output.

Kept to the standard library without argparse, json or re (and :mod:`liveswap.exceptions`,
:mod:`liveswap.home.plainjson`): every command imports it, and the operator's everyday commands
must start in a blink. ``HOME_FLAGS``/``HOME_VALUES`` are ``--json``/``--home`` for :mod:`.fastargs`.
"""

from __future__ import annotations

import os
import sys

from liveswap.exceptions import LiveswapError
from liveswap.home import plainjson

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (the CLI starts in a blink)
if TYPE_CHECKING:
    import argparse
    from pathlib import Path
    from typing import Any


class CommandError(LiveswapError):
    """Refused or failed: the message (one or two plain lines) goes to stderr, exit status 1."""

    exit_code = 1


class UsageError(CommandError):
    """The command line itself is wrong (``set foo``, ``activate 'bad name!'``): exit status 2, as argparse's own
    usage errors (contract section 3)."""

    exit_code = 2


HOME_FLAGS = ("--json",)
HOME_VALUES = {"--home": str}
"""What :func:`add_home` and :func:`add_json` add, for :class:`liveswap.cli.fastargs.Shape`."""


def add_home(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--home", metavar="DIR", help="home folder (default: $LIVESWAP_HOME or .)")


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def home_dir(flag: str | None) -> Path:
    """``--home``, else ``LIVESWAP_HOME``, else the current directory (absolute); the same rule as
    :func:`liveswap.settings.resolve_home`, without importing the settings machinery."""
    from pathlib import Path

    return Path(home_str(flag))


def home_str(flag: str | None) -> str:
    """:func:`home_dir` as a string, without pathlib (the everyday commands do not need it)."""
    raw = flag or os.environ.get("LIVESWAP_HOME") or os.getcwd()
    return os.path.realpath(os.path.expanduser(raw))


def print_json(obj: Any) -> None:
    """``json.dump(obj, indent=2, sort_keys=True, default=str)`` and a newline (without importing json)."""
    sys.stdout.write(plainjson.dumps(obj, indent=2, default=str))
    sys.stdout.write("\n")
