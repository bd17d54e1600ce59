"""The command line (Typer), one group per domain."""
