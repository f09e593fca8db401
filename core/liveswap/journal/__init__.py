"""The durable record of everything that moves money (``state/journal.sqlite``).

Every SQL statement of liveswap lives in this package (:mod:`.store` for the host, :mod:`.reader`
for the CLI). Layer: the bottom, beside home and api; it imports only exceptions and its own
schema. ``Journal`` (the writer, :mod:`.store`) is imported on first use, so the CLI's read-only
:mod:`.reader` does not pay for it.
"""

from __future__ import annotations

from liveswap.exceptions import JournalError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: `liveswap history` comes through here
if TYPE_CHECKING:
    from liveswap.journal.store import Journal

__all__ = ["Journal", "JournalError"]


def __getattr__(name: str) -> object:
    if name == "Journal":
        from liveswap.journal.store import Journal

        return Journal
    raise AttributeError(f"module 'liveswap.journal' has no attribute {name!r}")
