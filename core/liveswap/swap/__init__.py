"""The hot swap: prepare a version off the trading path, commit it between two batches, keep the
old one warm through probation, roll back by command or on fault (see :mod:`.manager`)."""
