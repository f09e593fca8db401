"""Real venues over httpx: Kalshi and Polymarket market data (and Kalshi orders), exchange bars.

Entry points for the engine: :func:`liveswap.venues.factory.make_feed` and
:func:`liveswap.venues.factory.make_broker`. One concept per module: ``http`` (robust client),
``errors``, ``parse`` (field-naming parsers), ``bars``/``binance``/``coinbase`` (underlying),
``quotes``/``kalshi``/``kalshi_auth``/``polymarket`` (prediction venues), ``settings``.

Layer: adapters; venues import neither the engine nor the swap (an import-linter contract).
"""
