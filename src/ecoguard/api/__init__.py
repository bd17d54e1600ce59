"""The HTTP API (FastAPI), one router per domain under /api/v1."""
