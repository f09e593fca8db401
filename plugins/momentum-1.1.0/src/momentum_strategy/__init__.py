"""momentum-strategy 1.1.0: weighted multi-lookback momentum for liveswap.

Entry point ``momentum = "momentum_strategy:Momentum"`` in group ``liveswap.strategies``.
"""

from momentum_strategy.strategy import Momentum

__all__ = ["Momentum"]
__version__ = "1.1.0"
