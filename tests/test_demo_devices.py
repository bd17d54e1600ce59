"""The demo's HJ 212 traffic: every registered demo device talks to a real gateway, the mover
stores what was accepted, the quarantine holds the bad frames, the registry learns last_seen."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from ecoguard.demo.devices import DAILY_DAYS, RTD_MINUTES, demo_loggers, run_demo_traffic
from ecoguard.ingest.hj212.codec import CST_ZONE
from ecoguard.ingest.hj212.listing import INFO_TABLE, READINGS_TABLE, REFUSALS_TABLE, list_rows
from ecoguard.registry.db import make_engine, make_sessionmaker, upgrade
from ecoguard.registry.demo import DEMO_ENTERPRISES, seed_demo
from ecoguard.registry.models import Device
from ecoguard.timeseries.store import TimeseriesStore

FLUE = {"a00000", "a34013", "a21026", "a21002", "a19001", "a01011", "a01012", "a01013", "a01014"}
WATER = {"w00000", "w01018", "w21003", "w21011", "w21001", "w01001"}

Episode = tuple[datetime, datetime, int]


def state_episodes(
    info: list[dict[str, object]], end: datetime
) -> dict[tuple[str, str], list[Episode]]:
    """``(MN, analyser) -> [(start, end, state)]``: where the instrument state (i12001) was not 0,
    from the stored information uploads (an open episode ends at ``end``)."""
    states: dict[tuple[str, str], list[tuple[datetime, int]]] = defaultdict(list)
    for row in info:
        if row["info_id"] == "i12001":
            moment, number = row["data_time_utc"], row["number"]
            assert isinstance(moment, datetime) and isinstance(number, float)
            states[(str(row["mn"]), str(row["pol_id"]))].append((moment, int(number)))
    episodes: dict[tuple[str, str], list[Episode]] = defaultdict(list)
    for key, changes in states.items():
        changes.sort()  # a repeated state (the span log of a calibration) goes on
        changes = [c for i, c in enumerate(changes) if i == 0 or c[1] != changes[i - 1][1]]
        for (moment, state), (until, _) in zip(changes, [*changes[1:], (end, 0)], strict=True):
            if state != 0:
                episodes[key].append((moment, until, state))
    return episodes


@pytest.mark.slow
def test_demo_devices_send_their_last_day_through_the_gateway(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        seed_demo(session, counties=False)
        session.commit()
        loggers = demo_loggers(session)
    store_root = tmp_path / "timeseries"
    before = datetime.now(UTC)
    report = run_demo_traffic(loggers, url, store_root, tmp_path / "gateway-demo")
    after = datetime.now(UTC)

    registered = {o.mn: o.medium for e in DEMO_ENTERPRISES for o in e.outlets}
    assert {lg.mn for lg in loggers} == set(registered)
    assert report.devices == len(registered) == 8
    assert set(report.versions) == {"HJ 212-2017", "HJ 212-2025"}
    assert report.acknowledged == report.packets_sent > 0
    assert report.answers_9011 == report.refusal_reasons["wrong_password"] > 0

    store = TimeseriesStore(store_root)
    rows = list_rows(store, READINGS_TABLE, start=before - timedelta(days=DAILY_DAYS + 1))
    assert len(rows) == report.readings_stored
    by_mn: dict[str, list[dict[str, object]]] = defaultdict(list)
    for row in rows:
        by_mn[str(row["mn"])].append(row)
    assert set(by_mn) == set(registered)
    today = datetime.now(CST_ZONE).replace(hour=0, minute=0, second=0, microsecond=0)
    for mn, medium in registered.items():
        mine = by_mn[mn]
        assert {r["parameter"] for r in mine} == (FLUE if medium == "air" else WATER)
        kinds = Counter(str(r["data_type"]) for r in mine)
        factors = len(FLUE if medium == "air" else WATER)
        assert kinds["rtd"] == RTD_MINUTES * factors
        assert 143 * factors <= kinds["min"] <= 144 * factors  # complete 10-min periods in 24 h
        assert 23 * factors <= kinds["hour"] <= 24 * factors
        assert kinds["day"] == DAILY_DAYS * factors
        for row in mine:
            start = row["data_time_utc"]
            assert isinstance(start, datetime)
            if row["data_type"] == "day":  # the last complete CST days
                assert today - timedelta(days=DAILY_DAYS) <= start < today
            else:  # the data clock starts 24 h before now
                assert before - timedelta(hours=24) <= start <= after
                end = row["interval_end_utc"]
                assert isinstance(end, datetime) and end <= after
            if row["data_type"] == "rtd":
                assert row["rtd"] is not None and row["avg"] is None
            else:
                low, avg, high = row["min"], row["avg"], row["max"]
                assert isinstance(low, float) and isinstance(avg, float)
                assert isinstance(high, float) and low <= avg <= high
    # a flue-gas hour carries concentrations converted to the reference O2 and masses (Cou)
    so2 = next(r for r in rows if r["parameter"] == "a21026" and r["data_type"] == "hour")
    assert so2["zs_avg"] is not None and so2["cou"] is not None

    # field-device information (CN 3020): every device calibrates one analyser a day (state 3,
    # zero and span logs, then 0 with its parameters); one device a day has a maintenance visit
    info = list_rows(store, INFO_TABLE)
    assert len({(r["mn"], r["data_time_utc"]) for r in info}) == report.info_stored > 0
    assert {r["mn"] for r in info} == set(registered)
    episodes = state_episodes(info, after)
    for mn, medium in registered.items():
        mine_info = [r for r in info if r["mn"] == mn]
        calibrated = "a21026" if medium == "air" else "w01018"
        assert any(s == 3 for s_, e_, s in episodes[(mn, calibrated)]), mn
        for start, end, state in episodes[(mn, calibrated)]:
            assert state == 3 and end - start == timedelta(hours=1)
        logs = {r["value"] for r in mine_info if r["info_id"] == "i11001"}
        assert {"零点校准", "量程校准", "校准完成"} <= logs
        codes = {r["info_id"] for r in mine_info if r["pol_id"] == calibrated}
        assert {"i12001", "i11001", "i12002", "i13001", "i13007", "i13008"} <= codes
        slope = next(r for r in mine_info if r["info_id"] == "i13008")["number"]
        assert isinstance(slope, float) and 0.97 < slope < 1.03
    visits = [(key, e) for key, found in episodes.items() for e in found if e[2] == 1]
    assert visits, "no maintenance visit in the window"
    assert all(e[1] - e[0] == timedelta(hours=2) or e[1] == after for _, e in visits)
    logs = {str(r["value"]) for r in info if r["info_id"] == "i11001"}
    assert logs & {"更换采样泵", "更换试剂并清洗管路"} and "维护完成 恢复测量" in logs
    # readings flagged C or M (HJ 212-2017 Table 8) are exactly those taken in those episodes
    flags: Counter[str] = Counter()
    for row in rows:
        if row["data_type"] == "day":
            assert row["flag"] == "N"
            continue
        start, end = row["data_time_utc"], row["interval_end_utc"]
        assert isinstance(start, datetime) and isinstance(end, datetime)
        inside = [
            state
            for first, last, state in episodes.get((str(row["mn"]), str(row["parameter"])), [])
            if first <= start < last and end <= last
        ]
        want = {1: "M", 3: "C"}.get(inside[0], "?") if inside else "N"
        assert row["flag"] == want, row
        flags[str(row["flag"])] += 1
    assert flags["C"] > 0 and flags["M"] > 0

    refusals = list_rows(store, REFUSALS_TABLE)
    assert len(refusals) == report.refusals_stored
    reasons = Counter(str(r["reason"]) for r in refusals)
    assert reasons["crc_mismatch"] == len(registered)  # one damaged frame per logger
    assert reasons["wrong_password"] == len(registered) // 2  # and every other logger
    assert set(reasons) == {"crc_mismatch", "wrong_password"}
    assert {r["mn"] for r in refusals} == set(registered)
    crc = next(r for r in refusals if r["reason"] == "crc_mismatch")
    assert crc["field"] == "CRC" and "Appendix A" in str(crc["rule"]) and crc["raw"]

    with make_sessionmaker(engine)() as session:
        states = session.execute(select(Device.mn, Device.last_seen, Device.connection_state)).all()
    engine.dispose()
    for mn, last_seen, state in states:
        assert last_seen is not None, mn
        assert before - timedelta(seconds=1) <= last_seen.replace(tzinfo=UTC) <= after
        assert state == "offline"  # the demo gateway has stopped

    # idempotent: a second run inside the same 10 minutes stores nothing new
    # a second run sends only the periods that are new since (none or a few) and no bad frames
    again = run_demo_traffic(loggers, url, store_root, tmp_path / "gateway-demo")
    assert again.packets_sent < report.packets_sent // 20
    assert again.acknowledged == again.packets_sent
    assert again.refusals_stored == 0 and again.bad_sent == 0
    stored = list_rows(store, READINGS_TABLE, start=before - timedelta(days=DAILY_DAYS + 1))
    assert len(stored) == len(rows) + again.readings_stored
    assert len(list_rows(store, REFUSALS_TABLE)) == len(refusals)
    info_again = list_rows(store, INFO_TABLE)
    assert len({(r["mn"], r["data_time_utc"]) for r in info_again}) == (
        report.info_stored + again.info_stored
    )
    keys = Counter((r["mn"], r["data_time_utc"], r["pol_id"], r["info_id"]) for r in info_again)
    assert max(keys.values()) == 1  # no item stored twice


def test_a_live_logger_sends_each_period_once_when_it_ends() -> None:
    from ecoguard.demo.devices import DemoLogger, due

    logger = DemoLogger("LD650100000003", "123456", "water", "GB 18918-2002", version=2)

    def at(text: str) -> datetime:
        return datetime.fromisoformat(text + "+08:00")

    def sent(previous: str, now: str) -> list[tuple[str, str]]:
        return [(p.cn, p.cp[9:23]) for p in due(logger, at(previous), at(now))]

    # within a 10-minute period: only the real-time sample of the current minute
    assert sent("2026-11-22 12:03:10", "2026-11-22 12:04:10") == [("2011", "20261122120400")]
    # the minute period 12:00-12:10 ended: its minute data, labelled by its start
    assert sent("2026-11-22 12:09:30", "2026-11-22 12:10:30") == [
        ("2011", "20261122121000"),
        ("2051", "20261122120000"),
    ]
    # midnight: the last 10 minutes, the last hour and the day before, each once
    assert sent("2026-11-22 23:59:40", "2026-11-23 00:00:40") == [
        ("2011", "20261123000000"),
        ("2051", "20261122235000"),
        ("2061", "20261122230000"),
        ("2031", "20261122000000"),
    ]
    # the daily calibration of its COD analyser (03:00-04:00 CST for this device) starts
    assert sent("2026-11-22 02:59:40", "2026-11-22 03:00:40") == [
        ("2011", "20261122030000"),
        ("2051", "20261122025000"),
        ("2061", "20261122020000"),
        ("3020", "20261122030000"),
    ]
    states = due(logger, at("2026-11-22 02:59:40"), at("2026-11-22 03:00:40"))
    assert states[-1].cp.endswith("PolId=w01018;i12001-Info=3;i11001-Info=//零点校准//")
    assert "w01018-Flag=C" in states[0].cp and "w21003-Flag=N" in states[0].cp
    packet = due(logger, at("2026-11-22 12:03:10"), at("2026-11-22 12:04:10"))[0]
    assert packet.st == "32" and packet.flag == 9 and packet.pw == "123456"
    assert "w01018-Rtd=" in packet.cp and "w01018-Flag=" in packet.cp
