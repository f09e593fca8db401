"""``liveswap registry list|add`` and ``liveswap check``: what the registry holds and why.

``check`` runs the static checks, then every callable in :data:`LOAD_TESTS` unless ``--static``
is given. The sandboxed load test plugs in there: append an
:data:`liveswap.registry.ExtraCheck` (``Report -> iterable of one-line reasons``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from liveswap.cli.common import CommandError, add_home, add_json, print_json
from liveswap.registry import ExtraCheck, Registry, RegistryError, Report
from liveswap.settings import load_settings
from liveswap.swap.load_test import sandbox_load_test

LOAD_TESTS: list[ExtraCheck] = [sandbox_load_test]
"""Extra checks ``liveswap check`` runs after the static ones pass (skipped with ``--static``)."""


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    registry = subparsers.add_parser("registry", help="list or add strategy versions")
    actions = registry.add_subparsers(dest="registry_action", metavar="ACTION")

    listing = actions.add_parser("list", help="every strategy version found, with its verdict and reasons")
    add_home(listing)
    add_json(listing)
    listing.set_defaults(func=cmd_list)

    add = actions.add_parser("add", help="validate wheels, then copy the accepted ones into registry/")
    add.add_argument("wheels", nargs="+", type=Path, metavar="WHEEL")
    add_home(add)
    add_json(add)
    add.set_defaults(func=cmd_add)

    check = subparsers.add_parser("check", help="the full compatibility report of a wheel or NAME[==VERSION]")
    check.add_argument("target", metavar="WHEEL|NAME[==VERSION]")
    check.add_argument("--static", action="store_true", help="skip the load test (static checks only)")
    add_home(check)
    add_json(check)
    check.set_defaults(func=cmd_check)


def open_registry(home: str | None) -> Registry:
    try:
        settings = load_settings(home)
    except Exception as exc:  # noqa: BLE001 - a bad liveswap.toml is a refusal, not a traceback
        raise CommandError(f"cannot load settings: {str(exc).splitlines()[0]}") from exc
    return Registry.from_settings(settings)


def cmd_list(args: argparse.Namespace) -> int:
    registry = open_registry(args.home)
    versions = registry.scan()
    if args.json:
        print_json([{**v.to_dict(), "lock": registry.lock_of(v)} for v in versions])
        return 0
    if not versions:
        print("no strategy versions (drop wheels into registry/ or run: liveswap registry add WHEEL)")
        return 0
    print(f"{'NAME':<20} {'VERSION':<12} {'SOURCE':<10} {'SHA256':<12} VERDICT")
    for v in versions:
        print(f"{v.name:<20} {v.version:<12} {v.source:<10} {v.sha256[:12]:<12} {v.verdict}")
        for reason in v.reasons:
            print(f"    - {reason}")
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    results = open_registry(args.home).add(args.wheels)
    if args.json:
        print_json([{**r.report.to_dict(), "copied_to": str(r.copied_to) if r.copied_to else None, "note": r.note}
                    for r in results])
    refused = 0
    for result in results:
        name = result.report.path.name if result.report.path else "?"
        if result.report.ok:
            if not args.json:
                print(f"{name}: {result.note or 'accepted'}")
            continue
        refused += 1
        for reason in result.report.reasons:
            print(f"liveswap: {name} refused: {reason}", file=sys.stderr)
    return 1 if refused else 0


def cmd_check(args: argparse.Namespace) -> int:
    registry = open_registry(args.home)
    try:
        report = registry.check(args.target, extra_checks=() if args.static else tuple(LOAD_TESTS))
    except RegistryError as exc:
        raise CommandError(str(exc)) from exc
    if args.json:
        print_json(report.to_dict())
    else:
        print_report(report)
    for reason in report.reasons:
        print(f"liveswap: refused: {reason}", file=sys.stderr)
    return 1 if report.reasons else 0


def print_report(report: Report) -> None:
    where = str(report.path) if report.path else "host environment (pip-installed)"
    print(f"{report.dist_name or '?'} {report.version or '?'} ({report.kind}) from {where}")
    if report.sha256:
        print(f"  sha256:            {report.sha256}")
    for name, value in report.entry_points.items():
        print(f"  entry point:       {name} = {value}")
    print(f"  requires liveswap: {report.requires_liveswap or '(none)'}")
    if report.requires_python:
        print(f"  requires python:   {report.requires_python}")
    if report.tags:
        print(f"  tags:              {', '.join(report.tags)}")
    for dep in report.dependencies:
        by = f"{dep.version} (locked)" if dep.satisfied_by else "resolved at install"
        print(f"  dependency:        {dep.requirement} -> {by}")
    if report.lock:
        lock = report.lock
        pinned = ", ".join(f"{p['name']}=={p['version']}" for p in lock["packages"]) or "(no dependencies)"
        print(f"  environment:       {report.env_path} ({lock['files']} files, verified against its lock)")
        print(f"  locked set:        {pinned} [{lock['resolver']}]")
    print(f"  verdict:           {report.verdict}")
    for reason in report.reasons:
        print(f"    - {reason}")
