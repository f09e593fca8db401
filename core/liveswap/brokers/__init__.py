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
    from liveswap.brokers.paper import OutcomeLookup, PaperBroker, exact_fill, side_won

__all__ = [
    "BalanceSource", "Broker", "BrokerError", "OpenOrderSource", "OrderRequest", "OrderResult", "OutcomeLookup",
    "PaperBroker", "PositionSource", "SettlementReport", "exact_fill", "side_won",
]

# name -> module of this package (or =module elsewhere), imported on first use
_WHERE = {
    "BalanceSource": "base", "Broker": "base", "BrokerError": "base", "OpenOrderSource": "base",
    "OrderRequest": "base", "OrderResult": "base", "OutcomeLookup": "paper", "PaperBroker": "paper",
    "PositionSource": "base", "SettlementReport": "base", "exact_fill": "paper", "side_won": "paper",
}


def __getattr__(name: str) -> object:
    return attribute(__name__, _WHERE, name)
