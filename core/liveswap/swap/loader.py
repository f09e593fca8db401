"""``VersionLoader``: turn ``NAME`` / ``NAME==VERSION`` into a started, set-up strategy runner.

The production loader resolves the spec in the registry (checks, isolated install) and starts a
sandboxed worker; tests may load in-process strategies through the same seam.
"""

from __future__ import annotations

from typing import Any, Protocol

from liveswap.engine import ActiveStrategy
from liveswap.exceptions import LoadError
from liveswap.registry import StateDecl, validate
from liveswap.runners import InProcessRunner, StrategyFault
from liveswap.specs import parse_spec, version_order


class VersionLoader(Protocol):
    def load(self, spec: str) -> ActiveStrategy:
        """A started runner for ``spec`` (``setup`` not yet called). Raises :class:`LoadError`."""
        ...

    def declared(self, spec: str) -> StateDecl | None:
        """``spec``'s declared state compatibility, without loading it (None: undeclared or unknown)."""
        ...


class InProcessLoader:
    """Loads strategy objects registered under ``name==version`` in-process (tests, benchmarks);
    ``states``: the ``__liveswap_state__`` declaration of a ``name==version``, as its wheel would hold it."""

    def __init__(self, strategies: dict[str, Any] | None = None, states: dict[str, Any] | None = None) -> None:
        self.strategies: dict[str, Any] = dict(strategies or {})
        self.states: dict[str, StateDecl] = {spec: validate(decl) for spec, decl in (states or {}).items()}

    def add(self, name: str, version: str, obj: Any, state: Any = None) -> None:
        self.strategies[f"{name}=={version}"] = obj
        if state is not None:
            self.states[f"{name}=={version}"] = validate(state)

    def _resolve(self, spec: str) -> str:
        if spec in self.strategies:
            return spec
        named = [parse_spec(s) for s in self.strategies if parse_spec(s).name == spec]
        if not named:
            raise LoadError(f"unknown strategy version {spec}")
        best = max(named, key=lambda s: version_order(s.version or ""))
        return f"{best.name}=={best.version}"

    def declared(self, spec: str) -> StateDecl | None:
        return self.states.get(spec)

    def load(self, spec: str) -> ActiveStrategy:
        full = self._resolve(spec)
        name, version = parse_spec(full)
        assert version is not None
        try:
            runner = InProcessRunner(self.strategies[full], name=name, version=version)
        except StrategyFault as exc:
            raise LoadError(f"{full}: {exc}") from exc
        return ActiveStrategy(runner=runner, name=name, version=version, state_decl=self.states.get(full))
