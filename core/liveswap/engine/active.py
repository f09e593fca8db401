"""The active strategy version: the runner deciding candles now, and what it is."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from liveswap.registry import StateDecl
from liveswap.runners import Runner


@dataclass(slots=True)
class ActiveStrategy:
    runner: Runner
    name: str
    version: str
    wheel_sha256: str = ""
    since: float = field(default_factory=time.time)
    state_decl: StateDecl | None = None
    """Its declared state compatibility (``__liveswap_state__``, read from source), None if undeclared."""

    @property
    def spec(self) -> str:
        return f"{self.name}=={self.version}"

    def describe(self) -> dict[str, object]:
        return {"name": self.name, "version": self.version, "wheel_sha256": self.wheel_sha256, "since": self.since}

