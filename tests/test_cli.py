"""The ``ecoguard`` command exposes one group per domain."""

import subprocess
import sys

from typer.testing import CliRunner

from ecoguard.cli.main import app


def test_every_domain_group_is_listed() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for group in ("sites", "air", "water", "gateway"):
        assert group in result.output


def test_console_entry_point_lists_domains_without_importing_them() -> None:
    code = (
        "import sys; sys.argv = ['ecoguard', '--help']\n"
        "from ecoguard.cli.main import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('LOADED', sorted(m for m in sys.modules if m.startswith('ecoguard.cli.') and m != 'ecoguard.cli.main'))\n"
        "print('PANDAS', 'pandas' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    for group in ("sites", "air", "water", "gateway", "zoning", "users", "cases"):
        assert f"  {group} " in out
    assert "LOADED []" in out and "PANDAS False" in out


def test_entry_point_runs_a_group_and_keeps_exit_codes() -> None:
    bad = subprocess.run(
        [
            sys.executable,
            "-c",
            "from ecoguard.cli.main import main; main()",
            "air",
            "aqi",
            "--from",
            "x",
            "--to",
            "y",
        ],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "not a date" in bad.stderr
