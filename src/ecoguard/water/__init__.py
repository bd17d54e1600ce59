"""Surface-water services."""
