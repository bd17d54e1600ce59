"""A throw-away PostgreSQL cluster (initdb + pg_ctl in a temporary folder) for tests and benchmarks.

PostgreSQL refuses to run as root; when this process is root the server runs as the
``postgres`` system user (via ``runuser``) in a folder owned by it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import psycopg


def find_bindir() -> Path | None:
    """Folder of the PostgreSQL server binaries (initdb, pg_ctl), or ``None`` if not installed."""
    candidates: list[Path] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        with contextlib.suppress(OSError, subprocess.CalledProcessError):
            out = subprocess.run(  # noqa: S603 (fixed PostgreSQL binaries)
                [pg_config, "--bindir"], check=True, capture_output=True, text=True
            ).stdout.strip()
            candidates.append(Path(out))
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    for exe in ("initdb", "pg_ctl"):
        found = shutil.which(exe)
        if found:
            candidates.append(Path(found).resolve().parent)
    for cand in candidates:
        if (cand / "initdb").exists() and (cand / "pg_ctl").exists():
            return cand
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class TempCluster:
    """A running throw-away cluster; ``stop()`` removes it."""

    bindir: Path
    root: Path
    port: int
    as_postgres: bool

    @property
    def datadir(self) -> Path:
        """The cluster's data folder."""
        return self.root / "data"

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, text=True)  # noqa: S603

    def url(self, dbname: str = "postgres") -> str:
        """SQLAlchemy URL of database ``dbname`` (psycopg 3 driver)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str, template: str | None = None) -> str:
        """Create database ``name`` (optionally a copy of ``template``) and return its URL."""
        sql = f'CREATE DATABASE "{name}"'
        if template:
            sql += f' TEMPLATE "{template}" STRATEGY FILE_COPY'
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(sql.encode())
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop database ``name``, closing its connections."""
        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres", autocommit=True
        ) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())

    def stop(self) -> None:
        """Stop the server and delete its folder."""
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run(
                str(self.bindir / "pg_ctl"), "-D", str(self.datadir), "-m", "immediate", "stop"
            )
        shutil.rmtree(self.root, ignore_errors=True)


def start_cluster() -> TempCluster:
    """Initialise and start a cluster on a free port of 127.0.0.1 (trust authentication).

    Raises
    ------
    RuntimeError
        When no PostgreSQL server binaries are installed.
    """
    bindir = find_bindir()
    if bindir is None:
        msg = "no PostgreSQL server binaries (initdb, pg_ctl) found"
        raise RuntimeError(msg)
    as_postgres = os.geteuid() == 0
    if as_postgres:
        import pwd

        try:
            pwd.getpwnam("postgres")
        except KeyError as exc:
            msg = "running as root, PostgreSQL needs a 'postgres' system user to run as"
            raise RuntimeError(msg) from exc
    root = Path(tempfile.mkdtemp(prefix="ecoguard-pg-"))
    cluster = TempCluster(bindir=bindir, root=root, port=_free_port(), as_postgres=as_postgres)
    datadir = cluster.datadir
    datadir.mkdir(mode=0o700)
    if as_postgres:
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(datadir, "postgres", "postgres")
    cluster._run(
        str(bindir / "initdb"),
        "-D",
        str(datadir),
        "-U",
        "postgres",
        "--auth=trust",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
        "--no-sync",
    )
    opts = (
        f"-c listen_addresses=127.0.0.1 -p {cluster.port} -k {datadir} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    cluster._run(
        str(bindir / "pg_ctl"),
        "-D",
        str(datadir),
        "-l",
        str(datadir / "server.log"),
        "-o",
        opts,
        "-w",
        "start",
    )
    return cluster
