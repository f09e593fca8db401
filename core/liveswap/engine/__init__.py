"""The trading engine: candle batches in, validated and risk-checked orders out.

:class:`~liveswap.engine.loop.Engine` owns the trading state (active version, desired state,
ledger, cursor) behind a narrow API; nobody writes its fields. Its parts, one concept each:
``state`` (fields and API), ``loop`` (the batch and the run loop), ``orders`` (intents to orders,
sending), ``outcomes`` (broker answers, settlements), ``recovery`` (start-up, replays),
``snapshotting``, ``heartbeat``, ``status_report``; the pieces they use (``ledger``, ``risk``,
``guards``, ``canary``, ...) beside them. Layer: below swap and control,
above the adapters. It may import brokers, feeds, runners, journal, home, api, settings and
markets; never swap, control, host or the CLI."""
