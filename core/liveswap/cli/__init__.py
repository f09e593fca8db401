"""The ``liveswap`` command line: one module per command group, wired in :mod:`.main`.

Layer: the top. Commands reach a running host only through :mod:`liveswap.home` (control.json,
status.json, the host lock); ``run`` and ``demo`` start one through :mod:`liveswap.host`. The CLI
never imports the engine, control or swap."""

__all__: list[str] = []  # nothing here is for code outside the package
