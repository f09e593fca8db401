"""``liveswap new NAME [--dir D]``: scaffold a strategy project that builds and passes its tests.

The project's README gives commands that work from the project's own folder: this host's
interpreter and ``liveswap`` script, and its home (``--home``, else ``LIVESWAP_HOME``, else the
current directory if it is a home: it has ``registry/`` or ``state/``).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from liveswap.cli.common import CommandError, add_home, home_dir


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "new",
        help="scaffold a strategy project (pyproject, strategy with every hook, tests, README)",
        description="Create a strategy project NAME at version 1.0.0: a hatchling pyproject declaring the "
        "entry point and the liveswap requirement, a documented strategy showing every hook, tests using "
        "liveswap.testing, and a README whose commands (test, build, check, add, activate) use this "
        "host's Python and home.",
    )
    p.add_argument("name", metavar="NAME", help="strategy name: lowercase letters, digits, '-' or '_'")
    p.add_argument("--dir", metavar="D", help="folder to create (default: ./NAME); must be absent or empty")
    add_home(p)  # the home the README's commands target; the project itself goes to --dir
    p.set_defaults(func=run)


def known_home(flag: str | None) -> Path | None:
    """The home the operator means: ``--home``, ``LIVESWAP_HOME``, or the current folder if it is one."""
    if flag or os.environ.get("LIVESWAP_HOME"):
        return home_dir(flag)
    here = Path.cwd()
    return here.resolve() if (here / "registry").is_dir() or (here / "state").is_dir() else None


def run(args: argparse.Namespace) -> int:
    from liveswap.scaffold import FIRST_VERSION, HostFacts, ScaffoldError, create_project

    target = Path(args.dir or args.name).expanduser().resolve()
    host = HostFacts.current(known_home(args.home))
    try:
        names = create_project(args.name, target, host)
    except ScaffoldError as exc:
        raise CommandError(str(exc)) from exc
    print(f"created {target}: strategy {names.name!r} {FIRST_VERSION} ({names.module}:{names.cls})")
    print(f"next: cd {target} and follow README.md (test, build, check, add, activate"
          + (f" on home {host.home})" if host.home else "; set LIVESWAP_HOME to your host's home first)"))
    return 0
