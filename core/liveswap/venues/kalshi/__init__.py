"""Kalshi (Trade API v2): signed client, response parsing, quote source and real-money broker."""
