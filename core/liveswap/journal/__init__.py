"""The durable record of everything that moves money (``state/journal.sqlite``)."""

from liveswap.journal.store import Journal, JournalError

__all__ = ["Journal", "JournalError"]
