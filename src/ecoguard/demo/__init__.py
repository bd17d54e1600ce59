"""Generated demo data for the demo province (never real measurements)."""
