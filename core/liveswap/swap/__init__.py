"""The hot swap: prepare a version off the trading path, commit it between two batches, keep the
old one warm through probation, roll back by command or on fault (see :mod:`.manager`).

Every change of the active version goes through :meth:`.change.Versions.change`; which version a
start resumes is :mod:`.startup`; :class:`.pending.Preparation` prepares a version off the trading
path (for the rollout's candidates too).

Layer: above the engine, below control and rollout. It steers the engine through its methods
(``activate``, ``record_swap_outcome``, ...) and may import engine, registry, runners, sandbox,
home and specs; never control, rollout, host or the CLI."""
