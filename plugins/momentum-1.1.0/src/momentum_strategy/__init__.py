"""momentum-strategy 1.1.0: weighted multi-lookback momentum for liveswap.

Entry point ``momentum = "momentum_strategy:Momentum"`` in group ``liveswap.strategies``.
"""

from momentum_strategy.strategy import Momentum

__all__ = ["Momentum"]
__version__ = "1.1.0"

# The state layouts this version exports, reads and can also write (export_state(schema=1):
# 1.0.0's layout, for a version that reads only that one), read by the host from this source
# before any code runs (never imported for it): liveswap check, activate, rollback.
__liveswap_state__ = {"schema": 2, "reads": [1, 2], "writes": [1]}
