"""Readers and receivers; vendor names and units are mapped to ours here."""
