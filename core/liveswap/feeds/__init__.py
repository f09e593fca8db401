"""Market data sources: closed candles for the engine (synthetic, CSV replay, venues) behind the
``Feed`` seam (:mod:`.base`).

Layer: an adapter room below the engine. It may import api, markets, exceptions and venues'
clients; never the engine, swap, control, host or CLI."""
