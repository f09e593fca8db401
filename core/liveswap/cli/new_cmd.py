"""``liveswap new NAME [--dir D]``: scaffold a strategy project that builds and passes its tests."""

from __future__ import annotations

import argparse
from pathlib import Path

from liveswap.cli.common import CommandError, add_home
from liveswap.scaffold import ScaffoldError, create_project


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser(
        "new",
        help="scaffold a strategy project (pyproject, strategy with every hook, tests, README)",
        description="Create a strategy project NAME: a hatchling pyproject declaring the entry point "
        "and the liveswap requirement, a documented strategy showing every hook, tests using "
        "liveswap.testing, and a README on building, dropping and activating it.",
    )
    p.add_argument("name", metavar="NAME", help="strategy name: lowercase letters, digits, '-' or '_'")
    p.add_argument("--dir", metavar="D", help="folder to create (default: ./NAME); must be absent or empty")
    add_home(p)  # accepted like every command; the project goes to --dir, not into the home
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    target = Path(args.dir or args.name).expanduser().resolve()
    try:
        names = create_project(args.name, target)
    except ScaffoldError as exc:
        raise CommandError(str(exc)) from exc
    print(f"created {target}: strategy {names.name!r} ({names.module}:{names.cls})")
    print(f"next: cd {target} && python -m pytest && python -m build --wheel && liveswap registry add dist/*.whl")
    return 0
