"""Pure rules of the national standards, one module per standard.

Nothing here does I/O, reads a clock or imports another ecoguard package.
"""
