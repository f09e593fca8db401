"""A host applies the fleet's desired version through its own control.json, exactly as the CLI's
``activate`` (or ``canary``) would, and remembers which fleet generation it applied
(``state/fleet.json``) so a restart does not apply it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loguru import logger

from liveswap.exceptions import ControlError
from liveswap.fleet.values import FleetDesired, HostOrder
from liveswap.fsutil import atomic_write_json, read_json
from liveswap.home import Change, changes, read_status, update_control

FLEET_FILE = "fleet.json"


@dataclass(slots=True)
class Applied:
    generation: int = 0
    order: dict[str, Any] | None = None


def load_applied(state_dir: Path) -> Applied:
    try:
        data = read_json(state_dir / FLEET_FILE)
        return Applied(int(data["generation"]), data.get("order"))
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return Applied()


def apply_desired(state_dir: Path, markets: list[str], desired: FleetDesired, host_id: str,
                  applied: Applied) -> Applied:
    """Write what ``desired`` asks of ``host_id`` into control.json (if it asks something new).
    A refusal by the control file's own checks is logged; the host's status says why."""
    order = desired.order_for(host_id)
    wanted = order.model_dump() if order is not None else None
    if desired.generation <= applied.generation or wanted == applied.order:
        if desired.generation > applied.generation:
            applied = Applied(desired.generation, wanted)
            atomic_write_json(state_dir / FLEET_FILE, {"generation": applied.generation, "order": wanted})
        return applied
    if order is not None:
        try:
            update_control(state_dir, _change(order, state_dir, markets), markets=markets)
            logger.info("fleet generation {}: {} {}", desired.generation, order.mode, order.spec)
        except (ControlError, ValueError) as exc:
            logger.error("fleet generation {} not applied: {}", desired.generation, exc)
    applied = Applied(desired.generation, wanted)
    atomic_write_json(state_dir / FLEET_FILE, {"generation": applied.generation, "order": wanted})
    return applied


def _change(order: HostOrder, state_dir: Path, markets: list[str]) -> Change:
    if order.mode == "canary":  # every market but one: the active version keeps one to be compared with
        return changes.start_candidate(order.spec, mode="canary", markets=markets[:-1] or markets,
                                       analysis=order.analysis, auto_promote=True)
    status = read_status(state_dir)
    running = status.active if status is not None else None
    if running is not None and f"{running.name}=={running.version}" == order.spec:
        # already the active version (a canary promoted it, or an undo to where the host is):
        # a candidate still running is ended, nothing else changes
        return _drop_candidate
    return changes.activate(order.spec)


def _drop_candidate(doc: dict[str, Any], generation: int) -> dict[str, Any]:
    return {**doc, "candidate": None}
