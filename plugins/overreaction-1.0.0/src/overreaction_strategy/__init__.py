"""overreaction-strategy 1.0.0: fade a contract price that overreacts to a k-sigma move.

Entry point ``overreaction = "overreaction_strategy:Overreaction"`` in group ``liveswap.strategies``.
"""

from overreaction_strategy.strategy import Overreaction

__all__ = ["Overreaction"]
__version__ = "1.0.0"
