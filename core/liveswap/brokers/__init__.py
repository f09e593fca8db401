"""Where orders go: the ``Broker`` seam (:mod:`.base`), the paper broker (embedded default) and
venue brokers.

Layer: an adapter room below the engine. It may import api, journal, home, settings, markets,
exceptions and venues' clients; never the engine, swap, control, host or CLI."""
