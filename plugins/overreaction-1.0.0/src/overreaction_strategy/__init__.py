"""overreaction-strategy 1.0.0: fade a contract price that overreacts to a k-sigma move.

Entry point ``overreaction = "overreaction_strategy:Overreaction"`` in group ``liveswap.strategies``.
"""

from overreaction_strategy.strategy import Overreaction

__all__ = ["Overreaction"]
__version__ = "1.0.0"

# The state layout this version exports and reads (see state.py), read by the host from this
# source before any code runs (never imported for it): liveswap check, activate, rollback.
__liveswap_state__ = {"schema": 1, "reads": [1]}
