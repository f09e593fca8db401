"""The operator's edits of the desired state, as pure functions shared by the CLI and the web dashboard.

Each builder returns a :data:`~liveswap.home.control_store.Change`: ``change(current_json, new_generation)
-> new_json``, applied by :func:`~liveswap.home.control_store.update_control` under the control lock and
validated there as a whole (so the CLI and the dashboard refuse exactly the same things).
Cheap to import (the spec parser is imported only by the builders that check a spec).
"""

from __future__ import annotations

from liveswap.exceptions import ControlError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: the CLI's fast path imports this module
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any

    from liveswap.home.control_store import Change

CANDIDATE_DECISIONS = ("promote", "reject")


def activate(spec: str) -> Change:
    """Make ``NAME[==VERSION]`` the active strategy; :class:`SpecError` if ``spec`` is malformed."""
    from liveswap.specs import parse_spec

    parse_spec(spec)
    spec = spec.strip()

    def change(doc: dict[str, Any], generation: int) -> dict[str, Any]:
        return {**doc, "active": spec, "active_request": generation, "rollback": None}

    return change


def rollback(to: str | None = None) -> Change:
    """Back to the version active before the current one, or to version ``to`` of the active strategy."""
    from liveswap.specs import check_version

    if to is not None:
        check_version(to)

    def change(doc: dict[str, Any], generation: int) -> dict[str, Any]:
        return {**doc, "active": None, "active_request": None, "rollback": {"to": to, "request": generation}}

    return change


def pause(markets: Iterable[str] = ()) -> Change:
    """Stop opening positions: on every market (no ``markets``) or on the ones named."""
    chosen = list(dict.fromkeys(markets))

    def change(doc: dict[str, Any], generation: int) -> dict[str, Any]:
        if not chosen:
            return {**doc, "paused": True}
        return {**doc, "paused_markets": sorted(set(doc["paused_markets"]) | set(chosen))}

    return change


def resume(markets: Iterable[str] = (), *, lift_daily_loss: bool = False) -> Change:
    """Open positions again: everywhere (no ``markets``: also clears per-market pauses) or on the ones named.

    A tripped daily loss latch is lifted only when asked by name (``lift_daily_loss``: ``liveswap resume
    --lift-daily-loss``, the dashboard's confirmed button): never by a plain resume."""
    chosen = list(dict.fromkeys(markets))

    def change(doc: dict[str, Any], generation: int) -> dict[str, Any]:
        lifted = {"resume_request": generation} if lift_daily_loss else {}
        if not chosen:
            return {**doc, "paused": False, "paused_markets": [], **lifted}
        return {**doc, "paused_markets": sorted(set(doc["paused_markets"]) - set(chosen)), **lifted}

    return change


def set_values(params: Mapping[str, Any], risk: Mapping[str, Any]) -> Change:
    """Merge param and risk-limit overrides; a ``None`` value removes the key (back to the default)."""

    def change(doc: dict[str, Any], generation: int) -> dict[str, Any]:
        new_params, new_risk = dict(doc["params"]), dict(doc["risk"])
        for target, updates in ((new_params, params), (new_risk, risk)):
            for key, value in updates.items():
                if value is None:
                    target.pop(key, None)
                else:
                    target[key] = value
        return {**doc, "params": new_params, "risk": new_risk}

    return change


def check_ceilings(risk: Mapping[str, Any], ceilings: Mapping[str, Any], source: str) -> None:
    """Refuse (:class:`ControlError`, one line) a risk limit above the one the host starts with: at run time a
    limit may only be lowered (guarantee 5). ``ceilings``: the host's start-up ``[risk]`` settings, named by
    ``source`` ("the running host (pid 12) started with", "this home's settings"). Checked before anything is
    written, so a refused limit never reaches control.json and never blocks a later command."""
    over = []
    for key, value in risk.items():
        top = ceilings.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and isinstance(top, (int, float)) \
                and value > top:
            over.append(f"risk.{key} {value:g} is above {top:g}")
    if over:
        raise ControlError(f"refused: {'; '.join(over)}, the limit {source}: at run time a risk limit may only be "
                           "lowered (nothing was changed)")


def start_candidate(spec: str, *, mode: str, markets: Iterable[str] = (), analysis: Mapping[str, Any] | None = None,
                    auto_promote: bool = False) -> Change:
    """Run ``NAME==VERSION`` beside the active version as a ``shadow`` or a ``canary`` on ``markets``
    (replacing any running candidate); ``analysis`` holds :class:`liveswap.rollout.spec.AnalysisSpec`
    fields (checked by the host). Same document as ``liveswap shadow`` / ``liveswap canary``."""
    from liveswap.specs import parse_spec

    parse_spec(spec)
    spec = spec.strip()
    chosen = list(dict.fromkeys(markets))
    fields = dict(analysis or {})

    def change(doc: dict[str, Any], generation: int) -> dict[str, Any]:
        candidate = {"spec": spec, "mode": mode, "markets": chosen, "analysis": fields,
                     "auto_promote": auto_promote, "request": generation, "promote": None}
        return {**doc, "candidate": candidate}

    return change


def decide_candidate(decision: str) -> Change:
    """``promote`` or ``reject`` the candidate named in control.json (refused when there is none).

    Promote marks the candidate with the generation (``candidate.promote``) and leaves ``active``
    null ("keep what the host runs": after the promotion that is the candidate); reject removes it.
    Same document as ``liveswap promote`` / ``liveswap reject`` (issue 17).
    """
    if decision not in CANDIDATE_DECISIONS:
        raise ValueError(f"unknown candidate decision {decision!r}")

    def change(doc: dict[str, Any], generation: int) -> dict[str, Any]:
        candidate = doc.get("candidate")
        if not candidate:
            hint = " (start one with liveswap shadow NAME==VERSION)" if decision == "promote" else ""
            raise ControlError(f"no candidate to {decision}{hint}")
        if decision == "reject":
            return {**doc, "candidate": None}
        return {**doc, "active": None, "active_request": None, "rollback": None,
                "candidate": {**candidate, "promote": generation}}

    return change


def check_markets(markets: Iterable[str], known: Iterable[str]) -> list[str]:
    """``markets`` without duplicates; :class:`ControlError` naming the first one this home does not trade."""
    chosen = list(dict.fromkeys(markets))
    trades = list(known)
    for m in chosen:
        if m not in trades:
            raise ControlError(f"unknown market {m!r} (this home trades {', '.join(trades)})")
    return chosen
