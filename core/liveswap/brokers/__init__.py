"""Where orders go: the ``Broker`` seam (:mod:`.base`), the paper broker (embedded default) and
venue brokers.

Layer: an adapter room below the engine. It may import api, journal, home, settings, markets,
exceptions and venues' clients; never the engine, swap, control, host or CLI."""

from __future__ import annotations

from liveswap._face import attribute

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: a face costs nothing until used
if TYPE_CHECKING:
    from liveswap.brokers.base import (
        BalanceSource,
        Broker,
        BrokerError,
        OpenOrderSource,
        OrderRequest,
        OrderResult,
        PositionSource,
        SettlementReport,
    )
    from liveswap.brokers.fills import Level, SimFill, fill, paper_book, rejected, side_won, sweep, venue_book
    from liveswap.brokers.paper import OutcomeLookup, PaperBroker, exact_fill

__all__ = [
    "BalanceSource", "Broker", "BrokerError", "Level", "OpenOrderSource", "OrderRequest", "OrderResult",
    "OutcomeLookup", "PaperBroker", "PositionSource", "SettlementReport", "SimFill", "exact_fill", "fill",
    "paper_book", "rejected", "side_won", "sweep", "venue_book",
]

# name -> module of this package (or =module elsewhere), imported on first use
_WHERE = {
    "BalanceSource": "base", "Broker": "base", "BrokerError": "base", "Level": "fills", "OpenOrderSource": "base",
    "OrderRequest": "base", "OrderResult": "base", "OutcomeLookup": "paper", "PaperBroker": "paper",
    "PositionSource": "base", "SettlementReport": "base", "SimFill": "fills", "exact_fill": "paper",
    "fill": "fills", "paper_book": "fills", "rejected": "fills", "side_won": "fills", "sweep": "fills",
    "venue_book": "fills",
}


def __getattr__(name: str) -> object:
    return attribute(__name__, _WHERE, name)
