"""The trading engine: candle batches in, validated and risk-checked orders out.

:class:`~liveswap.engine.loop.Engine` owns the trading state (active version, desired state,
ledger, cursor) behind a narrow API; nobody writes its fields. Layer: below swap and control,
above the adapters. It may import brokers, feeds, runners, journal, home, api, settings and
markets; never swap, control, host or the CLI."""
