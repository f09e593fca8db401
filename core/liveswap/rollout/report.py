"""What ``status.json`` shows of a candidate: a running one's figures and verdict, or the last one that ended."""

from __future__ import annotations

import json
import time
from typing import Any

from liveswap.home import CandidateRequest
from liveswap.rollout.guard import GUARD_MODE
from liveswap.rollout.slot import CandidateSlot


def running_status(slot: CandidateSlot, *, mode: str, guard_of: str | None, markets: list[str], phase: str,
                   since: float | None, auto_promote: bool) -> dict[str, Any]:
    """The candidate object of status.json for a running candidate (``rollout`` renders it)."""
    assessment = slot.analysis.assess(slot.comparison)
    cand, act = slot.comparison.candidate, slot.comparison.active
    return {
        "spec": slot.spec, "mode": mode, "guard_of": guard_of, "markets": markets, "phase": phase, "since": since,
        "auto_promote": auto_promote, "cursor": slot.cursor,
        "bets": cand.bets, "win_rate": _round(cand.win_rate), "pnl": round(cand.pnl, 6),
        "verdict": assessment.verdict, "reason": assessment.reason, "money": assessment.money,
        "active": {"spec": act.spec, "bets": act.bets, "win_rate": _round(act.win_rate), "pnl": round(act.pnl, 6)},
        "figures": slot.figures(), "analysis": assessment.to_dict(),
        "decide_ms_p50": _p50(slot.decide_ms), "last_fault": slot.last_fault, "updated_at": time.time(),
    }


def ended_status(rows: list[Any]) -> dict[str, Any] | None:
    """The status of the newest candidate a previous run of this home ended, from the journal."""
    if not rows or rows[0]["ended_at"] is None:
        return None
    row = rows[0]
    figures = json.loads(row["figures"]) if row["figures"] else {}
    cand = figures.get("candidate", {})
    return {"spec": row["spec"], "mode": row["mode"], "markets": json.loads(row["markets"]), "phase": row["outcome"],
            "since": row["started_at"], "ended_at": row["ended_at"], "verdict": row["verdict"] or "running",
            "reason": (figures.get("analysis") or {}).get("reason", ""), "ended_reason": row["reason"],
            "bets": cand.get("bets", 0), "win_rate": cand.get("win_rate"), "pnl": cand.get("pnl", 0.0),
            "active": figures.get("active"), "figures": figures or None, "analysis": figures.get("analysis"),
            "money": (figures.get("analysis") or {}).get("money")}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _p50(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[len(ordered) // 2], 3)


def preparing_status(ask: CandidateRequest, *, guard: bool) -> dict[str, Any]:
    """The status of a candidate (or a guard) still loading."""
    return {"spec": ask.spec, "mode": GUARD_MODE if guard else ask.mode, "markets": list(ask.markets),
            "phase": "preparing", "since": None, "verdict": "running", "reason": "loading the candidate"}
