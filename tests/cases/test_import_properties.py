"""Properties of the findings reader: whatever the cells hold, it never crashes and no row is
lost — every non-empty row is either parsed or reported with file, row and field."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from ecoguard.cases.importers import read_findings

HEADER = ["问题编号", "督察类型", "轮次", "反馈日期", "问题内容", "行政区划代码", "整改时限"]

cell = st.one_of(
    st.none(),
    # (a leading "=" would make openpyxl write a formula without a cached value)
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=12).filter(
        lambda t: not t.startswith("=")
    ),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2100, 1, 1)),
    st.sampled_from(["中央", "省级", "650100", "2026-03-31", "20260331", "2026年3月31日"]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.lists(cell, min_size=7, max_size=7), min_size=1, max_size=8))
def test_no_row_is_lost(rows: list[list[Any]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.xlsx"
        book = Workbook()
        ws = book.active
        ws.append(HEADER)
        for row in rows:
            ws.append(row)
        book.save(path)
        parsed, errors = read_findings(path)
    non_empty = {
        line
        for line, row in enumerate(rows, start=2)
        if any(v is not None and str(v).strip() != "" for v in row)
    }
    accounted = {p.row for p in parsed} | {e.row for e in errors}
    assert accounted == non_empty
    assert not ({p.row for p in parsed} & {e.row for e in errors})
    for e in errors:
        assert e.file == "p.xlsx" and e.field and e.rule
