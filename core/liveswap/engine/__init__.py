"""The trading engine: candle batches in, validated and risk-checked orders out.

:class:`~liveswap.engine.loop.Engine` owns the trading state (active version, desired state,
ledger, cursor) behind a narrow API; nobody writes its fields. Its parts, one concept each:
``state`` (fields and API), ``loop`` (the batch and the run loop), ``orders`` (intents to orders,
sending), ``outcomes`` (broker answers, settlements), ``recovery`` (start-up, replays),
``snapshotting``, ``heartbeat``, ``status_report``; the pieces they use (``ledger``, ``risk``,
``guards``, ``canary``, ...) beside them. Layer: below swap and control,
above the adapters. It may import brokers, feeds, runners, journal, home, api, settings and
markets; never swap, control, host or the CLI."""

from __future__ import annotations

from liveswap._face import attribute

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: a face costs nothing until used
if TYPE_CHECKING:
    from liveswap.engine.active import ActiveStrategy
    from liveswap.engine.canary import Canary
    from liveswap.engine.daily_loss import DailyLossGuard
    from liveswap.engine.desired import Desired
    from liveswap.engine.intents import Rejected, validate_batch, validate_output
    from liveswap.engine.ledger import FEE_ALLOWANCE, Ledger, position_dict, to_fill, to_settlement
    from liveswap.engine.loop import Engine
    from liveswap.engine.order_ids import client_order_id, lease_of
    from liveswap.engine.orders import plan_orders, send_orders
    from liveswap.engine.outcomes import journal_answers, settle_due
    from liveswap.engine.recovery import opening_balance, replay_batches
    from liveswap.engine.risk import check_intent
    from liveswap.engine.state import MarketGate
    from liveswap.engine.steering import PartsStatus, Steering, Step

__all__ = [
    "ActiveStrategy", "Canary", "DailyLossGuard", "Desired", "Engine", "FEE_ALLOWANCE", "Ledger", "MarketGate",
    "PartsStatus", "Rejected", "Steering", "Step", "check_intent", "client_order_id", "journal_answers", "lease_of",
    "opening_balance", "plan_orders", "position_dict", "replay_batches", "send_orders", "settle_due", "to_fill",
    "to_settlement", "validate_batch", "validate_output",
]

# name -> module of this package (or =module elsewhere), imported on first use
_WHERE = {
    "ActiveStrategy": "active", "Canary": "canary", "DailyLossGuard": "daily_loss", "Desired": "desired",
    "Engine": "loop", "FEE_ALLOWANCE": "ledger", "Ledger": "ledger", "MarketGate": "state",
    "PartsStatus": "steering", "Rejected": "intents", "Steering": "steering", "Step": "steering",
    "check_intent": "risk", "client_order_id": "order_ids", "journal_answers": "outcomes", "lease_of": "order_ids",
    "opening_balance": "recovery", "plan_orders": "orders", "position_dict": "ledger", "replay_batches": "recovery",
    "send_orders": "orders", "settle_due": "outcomes", "to_fill": "ledger", "to_settlement": "ledger",
    "validate_batch": "intents", "validate_output": "intents",
}


def __getattr__(name: str) -> object:
    return attribute(__name__, _WHERE, name)
