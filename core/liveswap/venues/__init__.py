"""Real venues as a leaf of adapters (as NautilusTrader's ``adapters/<venue>/``), over httpx.

One package per venue: ``kalshi/{client,auth,parse,feed,broker}``, ``polymarket/{client,parse,feed}``,
``binance/feed``, ``coinbase/feed``. Shared by the adapters: ``_http`` (the robust client;
transport apart from client), ``jsonfields`` (field-naming JSON readers, ``to_epoch``), ``bars`` and ``quotes`` (the
two data seams a venue implements), ``feed`` (the engine's Feed over bars + quotes),
``live_paper`` (simulated orders at live prices) and ``factory`` (build by name from typed
settings: the host's only entry point).

May import: ``liveswap.exceptions``, ``settings``, ``markets``, ``api.types`` and the seams it
implements (``feeds.base``, ``brokers.base``, ``brokers.paper``). Never the engine, swap, control,
host or cli. A ``VenueError`` never leaves this package through a seam: the feed raises
``FeedError``, a broker ``BrokerError``.

Layer: adapters; venues import neither the engine nor the swap (an import-linter contract).
"""
