"""The durable record of everything that moves money (``state/journal.sqlite``).

Every SQL statement of liveswap lives in this package (:mod:`.store` for the host, :mod:`.reader`
for the CLI). Layer: the bottom, beside home and api; it imports only exceptions and its own
schema. ``Journal`` (the writer, :mod:`.store`) is imported on first use, so the CLI's read-only
:mod:`.reader` does not pay for it.
"""

from __future__ import annotations

from liveswap._face import attribute

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: a face costs nothing until used
if TYPE_CHECKING:
    from liveswap.exceptions import JournalError
    from liveswap.journal import candidates, figures
    from liveswap.journal.reader import active_versions, history
    from liveswap.journal.rows import DecisionRow, FillRow, OrderRow, SettlementRow
    from liveswap.journal.store import Journal

__all__ = [
    "DecisionRow", "FillRow", "Journal", "JournalError", "OrderRow", "SettlementRow", "active_versions",
    "candidates", "figures", "history",
]

# name -> module of this package (or =module elsewhere), imported on first use
_WHERE = {
    "DecisionRow": "rows", "FillRow": "rows", "Journal": "store", "JournalError": "=liveswap.exceptions",
    "OrderRow": "rows", "SettlementRow": "rows", "active_versions": "reader", "candidates": "candidates",
    "figures": "figures", "history": "reader",
}


def __getattr__(name: str) -> object:
    return attribute(__name__, _WHERE, name)
