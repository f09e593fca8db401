"""Where orders go: the paper broker (embedded default) and venue brokers."""
