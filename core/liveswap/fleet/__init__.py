"""A fleet of hosts on NATS JetStream (contract section 6, guarantee 8).

* :mod:`.values` -- every value the fleet keeps in its buckets, validated like control.json;
* :mod:`.connect` -- the NATS connection (credentials from settings, never logged) and the buckets;
* :mod:`.leases` -- the lease table the engine asks, synchronously, "may I open on M, with which token?";
* :mod:`.agent` -- the host's fleet agent: nats-py's asyncio loop on its own thread (claim, renew,
  spread, release, desired state in, observed state out);
* :mod:`.admin` -- what ``liveswap fleet status|rollout|undo`` do, from any machine that reaches NATS.
"""

from __future__ import annotations

from liveswap._face import attribute

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: a face costs nothing until used
if TYPE_CHECKING:
    from liveswap.fleet import admin
    from liveswap.fleet.hosting import FleetPart, join_fleet

__all__ = [
    "FleetPart", "admin", "join_fleet",
]

# name -> module of this package (or =module elsewhere), imported on first use
_WHERE = {
    "FleetPart": "hosting", "admin": "admin", "join_fleet": "hosting",
}


def __getattr__(name: str) -> object:
    return attribute(__name__, _WHERE, name)
