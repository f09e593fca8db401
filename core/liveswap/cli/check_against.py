"""``liveswap check A --against B``: how a strategy's state crosses between two versions, both ways.

Read from the two versions' declared ``__liveswap_state__`` only (the registry's static scan:
``ast.literal_eval`` of their source), so no code of either version runs -- no load trial, no
import, no install. The same decision the host makes before an activation or rollback starts
(:func:`liveswap.registry.crossing.decide`).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from liveswap.cli.common import CommandError, print_json
from liveswap.cli.render import say
from liveswap.registry import Registry, RegistryError, StrategyVersion, decide, versions_of


def check_against(registry: Registry, target: str, against: str, *, as_json: bool) -> int:
    """Print both versions' declarations and both crossings; 1 when either version is refused."""
    other = _named(registry, against, None)
    this = _named(registry, target, other.name)
    pair = (this, other)
    crossings = [_crossing(src, dst) for src, dst in ((other, this), (this, other))]
    if as_json:
        print_json({"target": this.to_dict(), "against": other.to_dict(), "crossings": crossings})
    else:
        say(f"{this.spec} against {other.spec} (from their declarations: no code of either version ran)")
        for v in pair:
            say(f"  {v.spec:<28} {v.state.describe() if v.state else 'no __liveswap_state__ declared'}"
                  f" [{v.verdict}]")
        for c in crossings:
            say(f"  {c['from']} -> {c['to']}: {c['text']}")
    for v in pair:
        for reason in v.reasons:
            say(f"liveswap: {v.spec} refused: {reason}", file=sys.stderr)
    return 1 if any(v.reasons for v in pair) else 0


def _crossing(source: StrategyVersion, target: StrategyVersion) -> dict[str, Any]:
    if source.name != target.name:
        text = (f"different strategies: no state crosses ({target.name} resumes its own last state plus a "
                "replay, or warms up without state)")
        return {"from": source.spec, "to": target.spec, "mode": "none", "schema": None, "text": text}
    crossing = decide(source.state, target.state)
    return {"from": source.spec, "to": target.spec, **crossing.to_dict(),
            "text": crossing.describe(source.version, target.version)}


def _named(registry: Registry, target: str, prefer: str | None) -> StrategyVersion:
    """The version ``target`` names: ``NAME[==VERSION]`` in the registry, or a wheel file (statically
    checked; of a wheel with several strategies, the one named ``prefer``)."""
    try:
        if target.endswith(".whl") or Path(target).is_file():
            found = versions_of(registry.check(Path(target), resolve=False))
            return next((v for v in found if v.name == prefer), found[0])
        return registry.find(target)
    except RegistryError as exc:
        raise CommandError(str(exc)) from exc
