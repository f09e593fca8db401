"""The one exception the registry raises at its callers."""

from __future__ import annotations


class RegistryError(Exception):
    """A spec is unknown or refused, or an install failed.

    ``str(err)`` (also ``err.reason``) is ONE line for the operator; ``err.reasons`` holds every
    reason when a version was refused for several.
    """

    def __init__(self, reason: str, reasons: list[str] | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.reasons: list[str] = list(reasons) if reasons else [reason]
