"""The row-level error every reader reports: file, row, field, rule, value."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RowError:
    """A refused cell or row.

    Attributes
    ----------
    file : str
        The file (or packet source) it came from.
    row : int
        1-based line number in the file (the header is line 1).
    field : str
        The column or field, e.g. ``1001A/PM2.5``.
    rule : str
        The rule it broke, phrased as what was expected.
    value : str
        The offending text.
    """

    file: str
    row: int
    field: str
    rule: str
    value: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}: {self.field}: {self.rule} (got {self.value!r})"
