"""The registry-backed device directory reads MN and password from the ``devices`` table."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

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


@pytest.mark.slow
def test_gateway_writes_liveness_back_to_the_registry(tmp_path: Path) -> None:
    import asyncio

    from ecoguard.ingest.hj212.build import encode
    from ecoguard.ingest.hj212.codec import Packet
    from ecoguard.ingest.hj212.gateway import Gateway, GatewayConfig

    url = f"sqlite:///{tmp_path / 'registry.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        seed_demo(session, counties=False)
        session.commit()
        mn, password = session.execute(select(Device.mn, Device.access_password)).first()  # type: ignore[misc]

    async def scenario() -> None:
        config = GatewayConfig(
            home=tmp_path / "gw", store_root=tmp_path / "ts", mover=False, registry_interval=0.5
        )
        gateway = Gateway(config, RegistryDeviceDirectory(url))
        await gateway.start()
        reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
        heartbeat = Packet(st="31", cn="9015", pw=password, mn=mn, qn="20260101000000001", flag=9)
        writer.write(encode(heartbeat))
        assert b"CN=9013" in await asyncio.wait_for(reader.readuntil(b"\r\n"), 10)
        await asyncio.sleep(2.5)
        while_connected.append(await asyncio.to_thread(_state, engine, mn))
        writer.close()
        await gateway.stop()

    while_connected: list[tuple[object, str]] = []
    asyncio.run(scenario())
    assert while_connected[0][0] is not None and while_connected[0][1] == "online"
    last_seen, state = _state(engine, mn)
    engine.dispose()
    assert last_seen is not None
    assert state == "offline"  # the gateway stopped: no connection any more


def _state(engine: Engine, mn: str) -> tuple[object, str]:
    with make_sessionmaker(engine)() as session:
        row = session.execute(
            select(Device.last_seen, Device.connection_state).where(Device.mn == mn)
        ).one()
    return row.last_seen, row.connection_state
