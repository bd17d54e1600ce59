"""The keyed Delta store: re-importing the same rows changes nothing; raw values are never overwritten."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecoguard.timeseries.store import TimeseriesStore


def _rows(stations: list[str], hours: list[int], value: float) -> pa.Table:
    return pa.table(
        {
            "station": [s for s in stations for _ in hours],
            "hour": [h for _ in stations for h in hours],
            "month": ["2019-01" for _ in stations for _ in hours],
            "pm2_5": [value for _ in stations for _ in hours],
        }
    )


def test_second_import_of_same_rows_inserts_nothing(tmp_path: Path) -> None:
    store = TimeseriesStore(tmp_path)
    first = store.upsert(
        "air", _rows(["1001A", "1002A"], [1, 2, 3], 10.0), keys=["station", "hour"]
    )
    second = store.upsert(
        "air", _rows(["1001A", "1002A"], [1, 2, 3], 99.0), keys=["station", "hour"]
    )
    assert (first.inserted, second.inserted, second.duplicates) == (6, 0, 6)
    stored = store.read("air")
    assert stored.num_rows == 6
    # the first value stays: raw data are never overwritten by a later import
    assert set(stored["pm2_5"].to_pylist()) == {10.0}


def test_overlapping_import_adds_only_new_keys_with_partitions(tmp_path: Path) -> None:
    store = TimeseriesStore(tmp_path)
    keys = ["month", "station", "hour"]
    store.upsert("air", _rows(["1001A"], [1, 2], 1.0), keys=keys, partition_by=["month"])
    result = store.upsert(
        "air", _rows(["1001A"], [2, 3, 4], 2.0), keys=keys, partition_by=["month"]
    )
    assert result.inserted == 2
    hours = store.read("air", filter=ds.field("station") == "1001A")["hour"].to_pylist()
    assert sorted(hours) == [1, 2, 3, 4]


def test_repeated_keys_within_one_batch_keep_the_first(tmp_path: Path) -> None:
    store = TimeseriesStore(tmp_path)
    data = pa.table({"station": ["A", "A", "B"], "hour": [1, 1, 1], "v": [1.0, 2.0, 3.0]})
    result = store.upsert("t", data, keys=["station", "hour"])
    assert (result.offered, result.inserted) == (3, 2)
    stored = store.read("t").sort_by("station")
    assert stored["v"].to_pylist() == [1.0, 3.0]


def test_bad_table_name_and_missing_key_are_refused(tmp_path: Path) -> None:
    store = TimeseriesStore(tmp_path)
    with pytest.raises(ValueError, match="table name"):
        store.upsert("../x", _rows(["A"], [1], 1.0), keys=["station"])
    with pytest.raises(ValueError, match="key columns"):
        store.upsert("t", _rows(["A"], [1], 1.0), keys=["nope"])
    with pytest.raises(FileNotFoundError):
        store.read("never_written")


@settings(max_examples=15, deadline=None)
@given(batches=st.lists(st.lists(st.integers(0, 20), max_size=15), min_size=1, max_size=4))
def test_stored_keys_are_the_union_of_all_batches(
    tmp_path_factory: pytest.TempPathFactory, batches: list[list[int]]
) -> None:
    store = TimeseriesStore(tmp_path_factory.mktemp("store"))
    for batch in batches:
        store.upsert("t", pa.table({"k": pa.array(batch, pa.int64())}), keys=["k"])
    expected = sorted({k for batch in batches for k in batch})
    got = sorted(store.read("t")["k"].to_pylist()) if store.exists("t") else []
    assert got == expected


# ------------------------------------------------------------ append (streams) and merging


def _stream_rows(
    keys: list[str], order: list[str], v: list[float | None], w: list[float | None]
) -> pa.Table:
    return pa.table(
        {"k": keys, "rid": order, "v": pa.array(v, pa.float64()), "w": pa.array(w, pa.float64()),
         "day": ["2026-01-01"] * len(keys)}
    )  # fmt: skip


def test_append_commits_each_step_of_a_writer_once(tmp_path: Path) -> None:
    store = TimeseriesStore(tmp_path)
    first = _stream_rows(["a", "b"], ["1", "2"], [1.0, 2.0], [None, None])
    assert store.applied_version("t", "mover") is None
    assert store.append("t", first, app_id="mover", version=10, partition_by=["day"])
    assert not store.append("t", first, app_id="mover", version=10, partition_by=["day"])
    assert not store.append("t", first, app_id="mover", version=9, partition_by=["day"])
    assert store.append("t", first, app_id="other", version=1, partition_by=["day"])
    assert store.applied_version("t", "mover") == 10
    assert store.applied_version("t", "other") == 1
    assert store.read("t").num_rows == 4  # blind appends: the merge happens when reading


def test_merged_read_takes_each_columns_first_non_null_value(tmp_path: Path) -> None:
    store = TimeseriesStore(tmp_path)
    # key a: the first row has v, a later row (a split packet's second part) brings w;
    # a third row (a re-upload with other values) changes nothing
    store.append("t", _stream_rows(["a", "b"], ["1", "2"], [1.0, 2.0], [None, None]),
                 app_id="m", version=1, partition_by=["day"])  # fmt: skip
    store.append("t", _stream_rows(["a", "a"], ["3", "4"], [None, 7.0], [5.0, 9.0]),
                 app_id="m", version=2, partition_by=["day"])  # fmt: skip
    merged = store.read("t", merge_on=["k", "day"], order_by="rid").to_pylist()
    assert merged == [
        {"k": "a", "rid": "1", "v": 1.0, "w": 5.0, "day": "2026-01-01"},
        {"k": "b", "rid": "2", "v": 2.0, "w": None, "day": "2026-01-01"},
    ]
    only_a = store.read("t", columns=["k", "w"], merge_on=["k", "day"], order_by="rid",
                        where="k = ?", params=["a"])  # fmt: skip
    assert only_a.to_pylist() == [{"k": "a", "w": 5.0}]
    with pytest.raises(ValueError, match="order_by"):
        store.read("t", merge_on=["k"])
    with pytest.raises(ValueError, match="does not have"):
        store.read("t", merge_on=["nope"], order_by="rid")


def test_merge_partitions_and_compact_keep_what_a_merged_read_gives(tmp_path: Path) -> None:
    store = TimeseriesStore(tmp_path)
    for step in range(1, 6):
        rows = _stream_rows(["a", "c"], [f"{step}a", f"{step}c"], [float(step), None], [None, 1.0])
        store.append("t", rows, app_id="m", version=step, partition_by=["day"])
    before = store.read("t", merge_on=["k", "day"], order_by="rid")
    files = len(store.files("t"))
    store.compact("t", partitions={"day": ["2026-01-01"]})
    assert len(store.files("t")) < files
    assert store.read("t").num_rows == 10  # compaction keeps every row
    assert store.merge_partitions("t", merge_on=["k", "day"], order_by="rid", column="day",
                                  values=["2026-01-01"]) == 2  # fmt: skip
    assert store.read("t").to_pylist() == before.to_pylist()
    assert store.applied_version("t", "m") == 5  # the writer's position survives rewrites
