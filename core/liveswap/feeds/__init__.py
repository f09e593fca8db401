"""Market data sources: closed candles for the engine (synthetic, CSV replay, venues)."""
