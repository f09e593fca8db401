"""Real venues as a leaf of adapters (as NautilusTrader's ``adapters/<venue>/``), over httpx.

One package per venue: ``kalshi/{client,auth,parse,feed,broker}``, ``polymarket/{client,parse,feed}``,
``binance/feed``, ``coinbase/feed``. Shared by the adapters: ``_http`` (the robust client;
transport apart from client), ``jsonfields`` (field-naming JSON readers, ``to_epoch``), ``bars`` and ``quotes`` (the
two data seams a venue implements), ``feed`` (the engine's Feed over bars + quotes),
``live_paper`` (simulated orders at live prices) and ``factory`` (build by name from typed
settings: the host's only entry point).

May import: ``liveswap.exceptions``, ``settings``, ``markets``, ``api.types`` and the seams it
implements (``feeds.base``, ``brokers.base``, ``brokers.paper``). Never the engine, swap, control,
host or cli. A ``VenueError`` never leaves this package through a seam: the feed raises
``FeedError``, a broker ``BrokerError``.

Layer: adapters; venues import neither the engine nor the swap (an import-linter contract).
"""

from __future__ import annotations

from liveswap._face import attribute

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: a face costs nothing until used
if TYPE_CHECKING:
    from liveswap.venues import factory
    from liveswap.venues.jsonfields import to_epoch

__all__ = [
    "factory", "to_epoch",
]

# name -> module of this package (or =module elsewhere), imported on first use
_WHERE = {
    "factory": "factory", "to_epoch": "jsonfields",
}


def __getattr__(name: str) -> object:
    return attribute(__name__, _WHERE, name)
