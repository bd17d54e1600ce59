"""HJ 212 (2005/2017/2025) data-acquisition gateway: pure codec, write-ahead store, TCP server."""
