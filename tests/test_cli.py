"""The ``ecoguard`` command exposes one group per domain."""

from typer.testing import CliRunner

from ecoguard.cli.main import app


def test_every_domain_group_is_listed() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for group in ("sites", "air", "water", "gateway"):
        assert group in result.output
