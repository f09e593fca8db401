"""Binance spot klines as the underlying bar source."""
