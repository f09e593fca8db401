"""liveswap: hot-swap live trading strategies while the bot keeps trading.

The public surface for strategy authors is :mod:`liveswap.api`; everything else is the host.
"""

__all__ = ["ENTRY_POINT_GROUP", "__version__"]

__version__ = "1.0.0"

ENTRY_POINT_GROUP = "liveswap.strategies"
"""The entry point group a strategy wheel declares: ``NAME = "module:attr"``."""
