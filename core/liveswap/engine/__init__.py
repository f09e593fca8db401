"""The trading engine: candle batches in, validated and risk-checked orders out."""
