"""How a strategy's state crosses from one version to another, decided from their declarations
alone (:mod:`.statedecl`), before any code of either runs.

* ``direct``: the target reads the layout the source exports (``export_state()`` as always);
* ``converted``: the source also ``writes`` a layout the target reads -- the host asks the
  source for ``export_state(schema=N)`` (the newest such ``N``);
* ``none``: no layout the source can write is one the target reads -- the state does not cross;
  the target starts from its own last state of that strategy (plus a replay), or warms up;
* ``runtime``: one side declares nothing -- the target's ``import_state`` decides at run time,
  as before declarations existed.

:func:`decide` is pure; :meth:`Crossing.describe` is the sentence ``check --against``,
``activate --wait``, ``rollback --wait`` and ``history`` show.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from liveswap.registry.statedecl import StateDecl

Mode = Literal["direct", "converted", "none", "runtime"]


@dataclass(frozen=True, slots=True)
class Crossing:
    """The decided path: ``schema`` is the layout that crosses (``direct``/``converted``), else None."""

    mode: Mode
    schema: int | None = None

    @property
    def carries(self) -> bool:
        """True when the source's state is handed over (possibly converted, or left to import_state)."""
        return self.mode != "none"

    @property
    def export_schema(self) -> int | None:
        """What to pass to the source's ``export_state(schema=...)``: N when converting, else None."""
        return self.schema if self.mode == "converted" else None

    def describe(self, source: str, target: str) -> str:
        """One line: how ``source``'s state reaches ``target`` (versions or specs, as the caller names them)."""
        if self.mode == "direct":
            return f"state carried directly ({target} reads schema {self.schema})"
        if self.mode == "converted":
            return (f"state converted down: {source} exports schema {self.schema} (its writes), "
                    f"which {target} reads")
        if self.mode == "none":
            return (f"{self.not_carried(source, target)}: {target} starts from its own last state plus a "
                    "replay, or warms up without state")
        return f"state carried if {target}'s import_state accepts it (no declaration on both sides)"

    @staticmethod
    def not_carried(source: str, target: str) -> str:
        """Why the state does not cross (``none``), without what happens instead."""
        return f"state not carried ({target} reads none of the schemas {source} writes)"

    def to_dict(self) -> dict[str, Any]:
        return {"mode": self.mode, "schema": self.schema}


def decide(source: StateDecl | None, target: StateDecl | None) -> Crossing:
    """How state goes from a version declaring ``source`` to one declaring ``target``."""
    if source is None or target is None:
        return Crossing("runtime")
    if source.schema in target.reads:
        return Crossing("direct", source.schema)
    down = [n for n in source.writes if n in target.reads]
    if down:
        return Crossing("converted", max(down))
    return Crossing("none")
