"""The one exception the registry raises at its callers (defined in the error tree)."""

from __future__ import annotations

from liveswap.exceptions import RegistryError

__all__ = ["RegistryError"]
