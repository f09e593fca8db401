"""How strategy code is run: the ``Runner`` seam (:mod:`.base`, with the capabilities a runner
declares) and the in-process runner; :mod:`.strategy_plugin` drives one strategy with pluggy (the
sandboxed worker uses it too).

Layer: an adapter room below the engine. It may import api and exceptions; never the engine,
journal, home, swap, control, host or CLI."""
