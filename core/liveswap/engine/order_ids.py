"""Deterministic client order ids: the same intent always gets the same id.

Derived from strategy name, version, the decided candle (market and start) and the intent's
index in that candle's output, so re-deciding a candle after a crash can never produce a second
order with a new id.
"""

from __future__ import annotations

import hashlib


def client_order_id(strategy: str, version: str, market: str, candle_start: int, index: int) -> str:
    digest = hashlib.sha256(f"{strategy}|{version}|{market}|{candle_start}|{index}".encode()).hexdigest()
    return f"ls-{digest[:24]}"
