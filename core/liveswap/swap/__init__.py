"""The hot swap: prepare a version off the trading path, commit it between two batches, keep the
old one warm through probation, roll back by command or on fault (see :mod:`.manager`).

Layer: above the engine, beside control. It steers the engine through its methods (``activate``,
``record_swap_outcome``, ...) and may import engine, registry, runners, sandbox, home and specs;
never control, host or the CLI."""
