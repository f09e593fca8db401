"""Polymarket: Gamma discovery and CLOB reads, the up/down quote source."""
