"""Air-quality services: standards applied to stored station data."""
