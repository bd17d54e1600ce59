"""ecoguard: an open platform for departments of ecology and environment."""

__version__ = "0.1.0"
