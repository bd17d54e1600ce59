"""`ecoguard users ...` and `ecoguard serve` refusing to start without a secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ecoguard.cli.main import app
from ecoguard.registry.db import make_engine, make_sessionmaker
from ecoguard.registry.models import AuditLog, User
from ecoguard.registry.users import authenticate


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ECOGUARD_HOME", str(tmp_path))
    monkeypatch.delenv("ECOGUARD_DATABASE_URL", raising=False)
    monkeypatch.delenv("ECOGUARD_JWT_SECRET", raising=False)
    monkeypatch.delenv("ECOGUARD_DEMO", raising=False)
    return tmp_path


def test_create_admin_prompts_twice_and_hashes(home: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app, ["users", "create-admin", "--username", "chief"], input="s3cure-pass\ns3cure-pass\n"
    )
    assert result.exit_code == 0, result.output
    assert "created administrator chief" in result.output
    mismatch = runner.invoke(
        app, ["users", "create-admin", "--username", "other"], input="aaaaaaaaa\nbbbbbbbbb\n"
    )
    assert mismatch.exit_code != 0
    engine = make_engine(f"sqlite:///{home / 'registry.sqlite3'}")
    try:
        with make_sessionmaker(engine)() as session:
            users = session.query(User).all()
            assert [u.username for u in users] == ["chief"]
            assert users[0].password_hash.startswith("$argon2id$")
            assert authenticate(session, "chief", "s3cure-pass") is not None
            audit = session.query(AuditLog).filter_by(entity="users").one()
            assert audit.actor == "cli"
    finally:
        engine.dispose()


def test_password_stdin_rules_and_list(home: Path) -> None:
    runner = CliRunner()
    short = runner.invoke(
        app, ["users", "create-admin", "--username", "a1b", "--password-stdin"], input="short\n"
    )
    assert short.exit_code == 2
    assert "at least 8 characters" in short.output
    ok = runner.invoke(
        app,
        ["users", "create-admin", "--username", "a1b", "--password-stdin"],
        input="long-enough\n",
    )
    assert ok.exit_code == 0, ok.output
    officer = runner.invoke(
        app,
        [
            "users",
            "create",
            "--username",
            "off",
            "--role",
            "prefecture_officer",
            "--region",
            "650100",
            "--password-stdin",
        ],
        input="long-enough\n",
    )
    assert officer.exit_code == 2  # no regions registered yet
    assert "--region: region 650100 does not exist" in officer.output
    listed = runner.invoke(app, ["users", "list", "--format", "csv"])
    assert listed.exit_code == 0
    assert listed.output.splitlines()[1].startswith("1,a1b,,administrator")


def test_serve_refuses_without_secret(home: Path) -> None:
    result = CliRunner().invoke(app, ["serve", "--port", "8999"])
    assert result.exit_code == 2
    assert "ECOGUARD_JWT_SECRET is not set" in result.output


def test_set_password_and_deactivate(home: Path) -> None:
    runner = CliRunner()
    assert (
        runner.invoke(
            app, ["users", "create-admin", "-u", "boss", "--password-stdin"], input="first-pass\n"
        ).exit_code
        == 0
    )
    r = runner.invoke(
        app, ["users", "set-password", "-u", "boss"], input="second-pass\nsecond-pass\n"
    )
    assert r.exit_code == 0, r.output
    assert runner.invoke(app, ["users", "deactivate", "-u", "boss"]).exit_code == 0
    missing = runner.invoke(app, ["users", "deactivate", "-u", "ghost"])
    assert missing.exit_code == 2
    assert "no user 'ghost'" in missing.output
    engine = make_engine(f"sqlite:///{home / 'registry.sqlite3'}")
    try:
        with make_sessionmaker(engine)() as session:
            assert authenticate(session, "boss", "second-pass") is None  # inactive
            user = session.query(User).filter_by(username="boss").one()
            assert user.is_active is False
            actions = [a.action for a in session.query(AuditLog).filter_by(entity="users")]
            assert actions == ["create", "update", "update"]
    finally:
        engine.dispose()
    assert runner.invoke(app, ["users", "deactivate", "-u", "boss", "--activate"]).exit_code == 0
    engine = make_engine(f"sqlite:///{home / 'registry.sqlite3'}")
    try:
        with make_sessionmaker(engine)() as session:
            assert authenticate(session, "boss", "second-pass") is not None
    finally:
        engine.dispose()
