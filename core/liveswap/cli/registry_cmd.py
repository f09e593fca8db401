"""``liveswap registry list|add|prune`` and ``liveswap check``: what the registry holds and why.

``check`` and ``registry add`` run the static checks, then (unless ``--static``) the sandboxed
load trial under the home's ``sandbox`` settings (:func:`liveswap.sandbox.trial.load_trial`), so
both give the same verdict, then every callable in :data:`LOAD_TESTS` (an extra
:data:`liveswap.registry.ExtraCheck`: ``Report -> iterable of one-line reasons``).

``registry list`` marks the version the host runs (``status.json``) and, when the same version
is both a registry wheel and pip-installed, which one is used: the registry wheel wins.
``registry add`` refuses to create a home in a folder that looks like a project (a forgotten
``--home``); ``registry prune`` removes installs under ``state/versions/`` nothing needs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from liveswap.cli.common import CommandError, add_home, add_json, home_dir, print_json
from liveswap.cli.render import clean, say
from liveswap.registry import ExtraCheck, Registry, RegistryError, Report, StrategyVersion
from liveswap.sandbox import load_trial, probe
from liveswap.settings import Settings, load_settings

PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")
LOAD_TESTS: list[ExtraCheck] = []
"""Extra checks ``check`` and ``registry add`` run after the sandboxed load trial (``--static``: none)."""


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    registry = subparsers.add_parser("registry", help="list, add or prune strategy versions")
    actions = registry.add_subparsers(dest="registry_action", metavar="ACTION")
    registry.set_defaults(func=lambda _args: registry.print_help() or 2)  # no ACTION: its own help, as journal

    listing = actions.add_parser("list", help="every strategy version found, with its verdict and reasons")
    add_home(listing)
    add_json(listing)
    listing.set_defaults(func=cmd_list)

    add = actions.add_parser("add", help="validate wheels, then copy the accepted ones into registry/")
    add.add_argument("wheels", nargs="+", type=Path, metavar="WHEEL")
    add.add_argument("--static", action="store_true", help="skip the load test (static checks only)")
    add_home(add)
    add_json(add)
    add.set_defaults(func=cmd_add)

    prune = actions.add_parser("prune", help="remove installs under state/versions/ that nothing needs",
                               description="Remove isolated installs (state/versions/) whose wheel is no longer in "
                               "registry/ and that the host neither runs nor would roll back to (status.json, the "
                               "journal). Pip-installed strategies are never touched.")
    prune.add_argument("--dry-run", action="store_true", help="only say what would be removed")
    add_home(prune)
    add_json(prune)
    prune.set_defaults(func=cmd_prune)

    check = subparsers.add_parser("check", help="the full compatibility report of a wheel or NAME[==VERSION]")
    check.add_argument("target", metavar="WHEEL|NAME[==VERSION]")
    check.add_argument("--static", action="store_true", help="skip the load test (static checks only)")
    check.add_argument("--against", metavar="NAME[==VERSION]",
                       help="how state crosses between the two versions, both ways, from their declared "
                            "__liveswap_state__ only: no code of either runs (no load test)")
    add_home(check)
    add_json(check)
    check.set_defaults(func=cmd_check)


def open_settings(home: str | None) -> Settings:
    try:
        return load_settings(home)
    except Exception as exc:  # noqa: BLE001 - a bad liveswap.toml is a refusal, not a traceback
        raise CommandError(f"cannot load settings: {str(exc).splitlines()[0]}") from exc


def open_registry(home: str | None) -> Registry:
    return Registry.from_settings(open_settings(home))


def load_tests(settings: Settings) -> tuple[ExtraCheck, ...]:
    """The sandboxed load trial under the home's ``sandbox`` settings, then any extra hooks."""
    return (load_trial(settings.sandbox, hook_timeout=max(10.0, settings.hook_timeout_seconds)), *LOAD_TESTS)


def _running(home: str | None) -> dict[str, Any]:
    """``status.json``'s ``active`` (name, version, wheel_sha256), or {} if no host ever ran."""
    try:
        active = json.loads((home_dir(home) / "state" / "status.json").read_text(encoding="utf-8")).get("active")
    except (OSError, ValueError, AttributeError):
        return {}
    return active if isinstance(active, dict) else {}


def annotate(versions: list[StrategyVersion], active: dict[str, Any]) -> list[tuple[StrategyVersion, str]]:
    """Each version with its note: ``active`` (what the host runs), and for a version that is both a
    registry wheel and pip-installed, which one ``activate NAME==VERSION`` uses (the registry wheel)."""
    by_spec: dict[str, set[str]] = {}
    for v in versions:
        by_spec.setdefault(v.spec, set()).add(v.source)
    out = []
    for v in versions:
        notes = []
        runs = v.name == active.get("name") and v.version == active.get("version")
        if runs and by_spec[v.spec] == {"registry", "installed"}:
            sha = active.get("wheel_sha256") or ""
            runs = (v.source == "registry" and sha == v.sha256) or (v.source == "installed" and not sha)
        if runs:
            notes.append("ACTIVE")
        if by_spec[v.spec] == {"registry", "installed"}:
            notes.append("used: the registry wheel wins over the pip install" if v.source == "registry"
                         else "shadowed by the registry wheel of the same version")
        out.append((v, "; ".join(notes)))
    return out


def cmd_list(args: argparse.Namespace) -> int:

    registry = open_registry(args.home)
    versions = annotate(registry.scan(), _running(args.home))
    registry.write_catalog()  # what `activate` trusts without importing the registry
    if args.json:
        print_json([{**v.to_dict(), "lock": registry.lock_of(v), "active": note.startswith("ACTIVE"), "note": note}
                    for v, note in versions])
        return 0
    if not versions:
        print("no strategy versions (drop wheels into registry/ or run: liveswap registry add WHEEL)")
        return 0
    print(f"  {'NAME':<20} {'VERSION':<12} {'SOURCE':<10} {'SHA256':<12} {'VERDICT':<10} {'STATE':<12} NOTE")
    for v, note in versions:
        mark = "*" if note.startswith("ACTIVE") else " "
        print(clean(f"{mark} {v.name:<20} {v.version:<12} {v.source:<10} {v.sha256[:12]:<12} {v.verdict:<10} "
                    f"{state_column(v):<12} {note}").rstrip())
        for reason in v.reasons:
            print(f"      - {clean(reason)}")
    print("(* the version the host runs; a registry wheel wins over a pip install of the same version)")
    print("(STATE: the declared state schema, r: the schemas it reads, w: older ones it also writes; - none declared)")
    return 0


def refuse_project_folder(home: Path) -> None:
    """A folder without registry/ or state/ that looks like a project is not meant as a home."""
    if (home / "registry").is_dir() or (home / "state").is_dir():
        return
    marker = next((m for m in PROJECT_MARKERS if (home / m).exists()), None)
    if marker:
        raise CommandError(f"{home} is not a liveswap home (no registry/ or state/) and looks like a project "
                           f"({marker}); pass --home or set LIVESWAP_HOME to your host's home")


def cmd_add(args: argparse.Namespace) -> int:
    home = home_dir(args.home)
    refuse_project_folder(home)
    if not (home / "registry").is_dir():
        print(f"liveswap: note: {home} had no registry/; creating a new home there", file=sys.stderr)
    settings = open_settings(args.home)
    checks = () if args.static else load_tests(settings)
    registry = Registry.from_settings(settings)
    results = registry.add(args.wheels, extra_checks=checks)
    if any(r.copied_to for r in results):  # a scan with the new wheels: `activate` of one of them skips
        registry.versions()                 # the registry (a running host would rescan and write it too)
        registry.write_catalog()
    if args.json:
        print_json([{**r.report.to_dict(), "copied_to": str(r.copied_to) if r.copied_to else None, "note": r.note}
                    for r in results])
    refused = 0
    for result in results:
        name = result.report.path.name if result.report.path else "?"
        if result.report.ok:
            if not args.json:
                say(f"{name}: {result.note or 'accepted'}")
            continue
        refused += 1
        for reason in result.report.reasons:
            say(f"liveswap: {name} refused: {reason}", file=sys.stderr)
    return 1 if refused else 0


def cmd_check(args: argparse.Namespace) -> int:
    settings = open_settings(args.home)
    registry = Registry.from_settings(settings)
    if args.against:
        from liveswap.cli.check_against import check_against

        return check_against(registry, args.target, args.against, as_json=args.json)
    try:
        report = registry.check(args.target, extra_checks=() if args.static else load_tests(settings))
    except RegistryError as exc:
        raise CommandError(str(exc)) from exc
    sandbox = probe(settings.sandbox)
    if args.json:
        print_json({**report.to_dict(), "sandbox": sandbox.to_dict()})
    else:
        print_report(report)
        print(f"  sandbox:           {sandbox.level}: {', '.join(sandbox.in_force)}")
        for gap in sandbox.not_applied:
            print(f"    not applied:     {gap}")
    for reason in report.reasons:
        say(f"liveswap: refused: {reason}", file=sys.stderr)
    return 1 if report.reasons else 0


def cmd_prune(args: argparse.Namespace) -> int:
    from liveswap.exceptions import JournalError
    from liveswap.journal import active_versions
    from liveswap.registry import needed_by, prune_versions

    registry = open_registry(args.home)
    wheels = [(v.sha256, f"registry wheel {v.path.name if v.path else v.spec}") for v in registry.scan()
              if v.source == "registry"]
    wheels += [(r.sha256, f"registry wheel {r.path.name}") for r in registry.wheel_reports() if r.path]
    running = _running(args.home)
    used = [(running.get("wheel_sha256") or "", "the host runs it (status.json)")]
    journal = registry.state_dir / "journal.sqlite"
    if journal.exists():
        try:
            history = active_versions(journal)
        except JournalError as exc:  # without the journal we cannot know what a rollback needs
            raise CommandError(f"{exc}; nothing removed") from exc
        for (spec, sha), why in zip(history, ("active (journal)", "the rollback target (journal)"), strict=False):
            used.append((sha, f"{spec}: {why}"))
    result = prune_versions(registry.versions_dir, needed_by([*used, *wheels]), dry_run=args.dry_run,
                            cache_dir=registry.cache_dir)
    verb = "would remove" if args.dry_run else "removed"
    if args.json:
        print_json({**result.to_dict(), "dry_run": args.dry_run})
        return 0
    for path in result.removed:
        print(f"{verb} {path.name}")
    for path, why in result.kept.items():
        print(f"kept {path.name}: {why}")
    print(f"{verb} {len(result.removed)} install(s) and {result.cache_entries} unused cache entries, "
          f"{result.freed_bytes / 2**20:.1f} MiB; kept {len(result.kept)}")
    return 0


def state_column(version: StrategyVersion) -> str:
    """``2 r1,2 w1`` for ``{"schema": 2, "reads": [1, 2], "writes": [1]}``; ``-`` when undeclared."""
    decl = version.state
    if decl is None:
        return "-"
    text = f"{decl.schema} r{','.join(map(str, decl.reads))}"
    return f"{text} w{','.join(map(str, decl.writes))}" if decl.writes else text


def _state_line(report: Report, name: str) -> str:
    decl = report.state.get(name)
    if decl is not None:
        return decl.describe()
    if any(r.startswith(f"entry point {name}: ") and "__liveswap_state__" in r for r in report.reasons):
        return "malformed __liveswap_state__ (see the reasons)"
    return "no __liveswap_state__ declared (import_state decides at run time)"


def print_report(report: Report) -> None:
    where = str(report.path) if report.path else "host environment (pip-installed)"
    say(f"{report.dist_name or '?'} {report.version or '?'} ({report.kind}) from {where}")
    if report.sha256:
        say(f"  sha256:            {report.sha256}")
    for name, value in report.entry_points.items():
        say(f"  entry point:       {name} = {value}")
        if report.kind == "strategy":
            say(f"  state:             {_state_line(report, name)}")
    say(f"  requires liveswap: {report.requires_liveswap or '(none)'}")
    if report.requires_python:
        say(f"  requires python:   {report.requires_python}")
    if report.tags:
        say(f"  tags:              {', '.join(report.tags)}")
    for dep in report.dependencies:
        by = f"{dep.version} (locked)" if dep.satisfied_by else "resolved at install"
        say(f"  dependency:        {dep.requirement} -> {by}")
    if report.lock:
        lock = report.lock
        pinned = ", ".join(f"{p['name']}=={p['version']}" for p in lock["packages"]) or "(no dependencies)"
        say(f"  environment:       {report.env_path} ({lock['files']} files, verified against its lock)")
        say(f"  locked set:        {pinned} [{lock['resolver']}]")
    say(f"  verdict:           {report.verdict}")
    for reason in report.reasons:
        say(f"    - {reason}")
