"""The time-series store: append-only Delta tables of hourly and finer data."""
