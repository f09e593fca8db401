"""Per-version figures over the same candles: bets, win rate, PnL, drawdown, fees, faults.

One ``VersionFigures`` per ``NAME==VERSION`` taking part in a rollout (the candidate and the
active version), counted from the moment the candidate started. Drawdown is the largest fall of
the version's cumulative realized PnL from its running peak (starting at 0), in USD, taken after
each batch (:meth:`VersionFigures.mark`), so the order settlements arrive in within a batch
does not change it.
``Comparison`` holds both. These figures are reported (and the drawdown, PnL and fault guards
read them); the verdict on money comes from the paired batches (:mod:`liveswap.judge`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class VersionFigures:
    spec: str
    candles: int = 0  # candles decided
    batches: int = 0  # batches decided (a fault spoils a whole batch)
    bets: int = 0  # bets settled
    wins: int = 0
    pnl: float = 0.0  # realized, net of fees
    fees: float = 0.0  # fees of the settled bets (included in pnl)
    peak: float = 0.0
    max_drawdown: float = 0.0
    faults: int = 0
    consecutive_faults: int = 0
    open_bets: int = 0

    @property
    def win_rate(self) -> float | None:
        return self.wins / self.bets if self.bets else None

    @property
    def fault_rate(self) -> float | None:
        return self.faults / self.batches if self.batches else None

    def record_batch(self, *, candles: int, fault: bool) -> None:
        self.candles += candles
        self.batches += 1
        if fault:
            self.faults += 1
            self.consecutive_faults += 1
        else:
            self.consecutive_faults = 0

    def record_fill(self) -> None:
        self.open_bets += 1

    def record_settlement(self, *, won: bool, pnl: float, fee: float = 0.0) -> None:
        self.bets += 1
        self.fees += fee
        self.wins += int(won)
        self.open_bets = max(0, self.open_bets - 1)
        self.pnl += pnl

    def mark(self) -> None:
        """The end of a batch: update the peak and the drawdown."""
        self.peak = max(self.peak, self.pnl)
        self.max_drawdown = max(self.max_drawdown, self.peak - self.pnl)

    def to_dict(self) -> dict[str, Any]:
        """The figures as ``rollout --json`` and ``status.json`` show them (rounded)."""
        win_rate, fault_rate = self.win_rate, self.fault_rate
        return {"spec": self.spec, "candles": self.candles, "batches": self.batches, "bets": self.bets,
                "wins": self.wins, "win_rate": None if win_rate is None else round(win_rate, 4),
                "pnl": round(self.pnl, 6),
                "fees": round(self.fees, 6), "max_drawdown": round(self.max_drawdown, 6), "faults": self.faults,
                "fault_rate": None if fault_rate is None else round(fault_rate, 6), "open_bets": self.open_bets}

    def state(self) -> dict[str, Any]:
        """Everything needed to resume exactly (unrounded)."""
        return {"spec": self.spec, "candles": self.candles, "batches": self.batches, "bets": self.bets,
                "wins": self.wins, "pnl": self.pnl,
                "fees": self.fees, "peak": self.peak, "max_drawdown": self.max_drawdown, "faults": self.faults,
                "consecutive_faults": self.consecutive_faults, "open_bets": self.open_bets}

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> VersionFigures:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass(slots=True)
class Comparison:
    """The candidate's and the active version's figures since the candidate started."""

    candidate: VersionFigures
    active: VersionFigures

    @classmethod
    def start(cls, candidate: str, active: str) -> Comparison:
        return cls(VersionFigures(candidate), VersionFigures(active))

    def settle_candidate(self, *, won: bool, pnl: float, fee: float = 0.0) -> None:
        self.candidate.record_settlement(won=won, pnl=pnl, fee=fee)

    def settle_active(self, *, won: bool, pnl: float, fee: float = 0.0) -> None:
        self.active.record_settlement(won=won, pnl=pnl, fee=fee)

    def mark(self) -> None:
        self.candidate.mark()
        self.active.mark()

    @property
    def pnl_difference(self) -> float:
        """Candidate PnL minus the active version's, USD."""
        return self.candidate.pnl - self.active.pnl

    def to_dict(self) -> dict[str, Any]:
        return {"candidate": self.candidate.to_dict(), "active": self.active.to_dict(),
                "pnl_difference": round(self.pnl_difference, 6)}

    def state(self) -> dict[str, Any]:
        return {"candidate": self.candidate.state(), "active": self.active.state()}

    @classmethod
    def from_state(cls, data: dict[str, Any]) -> Comparison:
        return cls(VersionFigures.from_state(data["candidate"]), VersionFigures.from_state(data["active"]))
