"""The venues package is a leaf of adapters: read the import graph of core/liveswap with ``ast``.

- venues import neither the engine, swap, control, host nor cli;
- settings, feeds and brokers import nothing of venues (no package cycle);
- no error class in venues: the one error tree is ``liveswap.exceptions``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import liveswap

PKG = Path(liveswap.__file__).parent


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
    return {m for m in out if m.startswith("liveswap")}


def modules(sub: str) -> list[Path]:
    root = PKG / sub
    return sorted(root.rglob("*.py")) if root.is_dir() else [PKG / f"{sub}.py"]


def offenders(sub: str, forbidden: tuple[str, ...]) -> list[str]:
    return [f"{p.relative_to(PKG)} imports {m}" for p in modules(sub) for m in sorted(imports_of(p))
            if any(m == f or m.startswith(f + ".") for f in forbidden)]


def test_venues_import_neither_engine_nor_swap_nor_the_host() -> None:
    forbidden = tuple(f"liveswap.{x}" for x in ("engine", "swap", "control", "host", "cli", "home"))
    assert offenders("venues", forbidden) == []


def test_settings_feeds_and_brokers_import_nothing_of_venues() -> None:
    for sub in ("settings", "feeds", "brokers", "exceptions", "markets"):
        assert offenders(sub, ("liveswap.venues",)) == [], sub


def test_every_venue_error_is_in_the_one_tree_with_one_base() -> None:
    from liveswap import exceptions

    for p in modules("venues"):
        tree = ast.parse(p.read_text())
        classes = [n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)
                   and any(getattr(b, "id", "").endswith(("Error", "Exception")) for b in n.bases)]
        assert classes == [], f"{p.relative_to(PKG)} defines its own error classes {classes}"
    assert exceptions.VenueError.__bases__ == (exceptions.LiveswapError,)
    for name in ("VenueUnavailable", "RateLimited", "VenueAuthError", "VenueRejected", "VenueNotFound",
                 "MalformedResponse", "VenueConfigError"):
        cls = getattr(exceptions, name)
        assert issubclass(cls, exceptions.VenueError) and len(cls.__bases__) == 1, name
        assert not issubclass(cls, (exceptions.FeedError, exceptions.BrokerError)), name
