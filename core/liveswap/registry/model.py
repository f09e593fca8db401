"""What the registry tells its callers: a check :class:`Report`, a :class:`StrategyVersion` found
by a scan, and an :class:`InstalledVersion` ready to load.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from liveswap.registry.statedecl import StateDecl

Verdict = Literal["compatible", "refused"]
Source = Literal["registry", "installed"]
Kind = Literal["strategy", "library", "unknown"]


@dataclass(frozen=True)
class Dependency:
    """One requirement of a wheel and what it resolved to.

    ``satisfied_by`` is ``"lock"`` once the resolver pinned it (``version``), ``""`` before (it is
    resolved when the version is installed).
    """

    requirement: str
    satisfied_by: str
    version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"requirement": self.requirement, "satisfied_by": self.satisfied_by, "version": self.version}


@dataclass
class Report:
    """The full compatibility report of one wheel (or one installed distribution).

    ``reasons`` holds EVERY reason it is refused, each one line; empty means compatible.
    ``dependencies`` lists the requirements (but ``liveswap``) and, once resolved, their pinned
    versions; ``lock`` is the summary of the version's lock once its environment exists.
    """

    source: Source
    path: Path | None
    sha256: str = ""
    dist_name: str = ""
    version: str = ""
    kind: Kind = "unknown"
    entry_points: dict[str, str] = field(default_factory=dict)
    requires_liveswap: str = ""
    requires_python: str = ""
    tags: list[str] = field(default_factory=list)
    dependencies: list[Dependency] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    lock: dict[str, Any] | None = None
    env_path: Path | None = None  # the version's environment (site/), once installed by a check
    state: dict[str, StateDecl | None] = field(default_factory=dict)
    """Each entry point's declared state compatibility (``__liveswap_state__``), None if undeclared."""

    @property
    def verdict(self) -> Verdict:
        return "refused" if self.reasons else "compatible"

    @property
    def ok(self) -> bool:
        return not self.reasons

    def refuse(self, reason: str) -> None:
        if reason not in self.reasons:
            self.reasons.append(reason)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "path": str(self.path) if self.path else None,
            "sha256": self.sha256,
            "dist_name": self.dist_name,
            "version": self.version,
            "kind": self.kind,
            "entry_points": dict(self.entry_points),
            "requires_liveswap": self.requires_liveswap,
            "requires_python": self.requires_python,
            "tags": list(self.tags),
            "dependencies": [d.to_dict() for d in self.dependencies],
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "lock": self.lock,
            "environment": str(self.env_path) if self.env_path else None,
            "state": {name: decl.to_dict() if decl else None for name, decl in self.state.items()},
        }


ExtraCheck = Callable[[Report], Iterable[str]]
"""An additional check run by ``check`` after the static checks passed (e.g. a sandboxed load
test): it gets the report and returns extra one-line reasons (none means it passed)."""


@dataclass(frozen=True)
class StrategyVersion:
    """One version of one strategy as a scan found it.

    ``name`` is the entry point name (``momentum``); ``dist_name`` the distribution
    (``momentum-strategy``); ``version`` the distribution version. ``path``/``sha256`` are the
    wheel's for source ``"registry"``, ``None``/``""`` for ``"installed"`` (pip-installed into the
    host environment). ``report`` has the full detail.
    """

    name: str
    version: str
    dist_name: str
    source: Source
    path: Path | None
    sha256: str
    entry_point: str
    verdict: Verdict
    reasons: list[str]
    report: Report = field(repr=False, compare=False)

    @property
    def spec(self) -> str:
        return f"{self.name}=={self.version}"

    @property
    def state(self) -> StateDecl | None:
        """Its declared state compatibility (read from source, never imported), None if undeclared."""
        return self.report.state.get(self.name)

    def to_dict(self) -> dict[str, Any]:
        state = self.state
        return {
            "name": self.name,
            "version": self.version,
            "dist_name": self.dist_name,
            "source": self.source,
            "path": str(self.path) if self.path else None,
            "sha256": self.sha256,
            "entry_point": self.entry_point,
            "verdict": self.verdict,
            "reasons": list(self.reasons),
            "state": state.to_dict() if state else None,
        }


@dataclass(frozen=True)
class InstalledVersion:
    """A version ready to load.

    ``path`` is the version's own environment (``state/versions/<key>/site``): the worker's
    ``sys.path`` is that folder, the standard library and the liveswap API only; load with
    ``resolve_entry_point(name, path=[str(path)])``. ``None`` for source ``"installed"``, which runs
    from the host environment (``resolve_entry_point(name)``). ``lock`` is the summary of its lock.
    """

    name: str
    version: str
    dist_name: str
    source: Source
    sha256: str
    entry_point: str
    path: Path | None
    lock: dict[str, Any] | None = None
