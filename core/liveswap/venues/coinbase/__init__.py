"""Coinbase Exchange candles as the underlying bar source."""
