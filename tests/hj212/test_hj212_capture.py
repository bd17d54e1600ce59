"""The real 2016 capture (HJ/T 212-2005 devices) parses, and every refusal is explained.

Counts per reason are explained line by line in docs/hj212-capture.md.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecoguard.cli.gateway import parse_rows
from ecoguard.cli.main import app
from ecoguard.ingest.hj212.codec import Packet, decode, decode_many
from ecoguard.ingest.hj212.frame import Framer

pytestmark = pytest.mark.shared_data

EXPECTED_REFUSED = {
    ("2016-08-24_00.h212", 2108): "bad_length",  # 3 bytes lost inside the CP
    ("2016-08-24_00.h212", 3336): "bad_length",  # 9012 with a 16-digit QN, 1 byte lost
    ("2016-08-24_00.h212", 3496): "bad_frame",  # length field "9ST=": header bytes lost
    ("2016-08-24_00.h212", 3669): "crc_mismatch",  # CRC 47C0; the right one (2BC0) follows
    ("2016-08-24_00.h212", 3670): "bad_frame",  # ... alone on the next line
    ("2016-08-24_00.h212", 6303): "bad_length",
    ("2016-08-24_00.h212", 7151): "bad_length",  # "C11;" instead of "CN=2011;"
    ("2016-08-24_00.h212", 9197): "bad_length",  # "Data=" instead of "DataTime="
    ("2016-08-24_04.h212", 1703): "bad_length",  # "011-Rtd=35.011-Flag=N": bytes lost
    ("2016-08-24_04.h212", 8341): "bad_length",
}


@pytest.fixture(scope="module")
def captures(shared_data: Path) -> list[Path]:
    return sorted((shared_data / "hj212_capture").glob("*.h212"))


def test_capture_refusals_counted_and_explained(captures: list[Path]) -> None:
    rows = [row for path in captures for row in parse_rows(path)]
    assert len(rows) == 9455 + 8624
    refused = {(r["file"], r["line"]): r["reason"] for r in rows if r["outcome"] == "refused"}
    assert refused == EXPECTED_REFUSED
    assert Counter(refused.values()) == {"bad_length": 7, "bad_frame": 2, "crc_mismatch": 1}
    accepted = [r for r in rows if r["outcome"] == "accepted"]
    assert {r["version"] for r in accepted} == {"2005"}
    assert Counter(r["cn"] for r in accepted)["2011"] > 8000
    assert sum(r["values"] for r in accepted) > 100_000
    for row in rows:
        if row["outcome"] == "refused":
            assert row["detail"]  # field, byte offset and rule


def test_stream_framer_agrees_with_lines(captures: list[Path]) -> None:
    data = captures[1].read_bytes()
    line_packets = [p for p in decode_many(data.split(b"\r\n")[:-1]) if isinstance(p, Packet)]
    framer = Framer()
    stream_packets = []
    for i in range(0, len(data), 1460):
        for item in framer.feed(data[i : i + 1460]):
            if isinstance(item, bytes):
                packet = decode(item)
                if isinstance(packet, Packet):
                    stream_packets.append(packet)
    assert stream_packets == line_packets


def test_cli_parse_exit_code_and_json(captures: list[Path]) -> None:
    result = CliRunner().invoke(
        app, ["gateway", "parse", *map(str, captures), "--format", "json", "--refused-only"]
    )
    assert result.exit_code == 1
    start = result.stdout.index("[")
    rows = json.loads(result.stdout[start : result.stdout.rindex("]") + 1])
    assert len(rows) == 10
    assert {"line", "outcome", "reason", "version", "st", "cn", "mn", "values"} <= set(rows[0])


def test_cli_parse_clean_file_exits_zero(tmp_path: Path) -> None:
    path = tmp_path / "ok.h212"
    path.write_bytes(
        b"##0073ST=32;CN=8013;PW=123456;MN=ZG130182201205;Flag=0;CP=&&HeartbeatTime=120&&0500\r\n"
    )
    result = CliRunner().invoke(app, ["gateway", "parse", str(path), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "accepted" in result.stdout


def test_cli_parse_missing_file_is_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["gateway", "parse", str(tmp_path / "nope.h212")])
    assert result.exit_code == 2
