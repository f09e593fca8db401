"""The durable record of everything that moves money (``state/journal.sqlite``).

Every SQL statement of liveswap lives in this package (:mod:`.store` for the host, :mod:`.reader`
for the CLI). Layer: the bottom, beside home and api; it imports only exceptions and its own
schema."""

from liveswap.journal.store import Journal, JournalError

__all__ = ["Journal", "JournalError"]
