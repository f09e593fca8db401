"""How strategy code is run: the ``Runner`` seam and its implementations."""
