"""The registry-backed device directory reads MN and password from the ``devices`` table."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from ecoguard.ingest.hj212.directory import RegistryDeviceDirectory
from ecoguard.registry.db import make_engine, make_sessionmaker, upgrade
from ecoguard.registry.demo import seed_demo
from ecoguard.registry.models import Device


@pytest.mark.slow
def test_registry_directory_lists_demo_devices(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        seed_demo(session, counties=False)
        session.commit()
        rows = session.execute(select(Device.mn, Device.access_password)).all()
    engine.dispose()
    assert rows
    directory = RegistryDeviceDirectory(url)
    assert len(directory) == len(rows)
    mn, password = rows[0]
    device = directory.lookup(mn)
    assert device is not None and device.password == password
    assert directory.lookup("NOT-A-DEVICE") is None
