"""The HJ 212 gateway: an asyncio TCP server for data loggers (the I/O edge around the codec).

Per connection: a :class:`~ecoguard.ingest.hj212.frame.Framer` cuts the stream (packets split
across reads, several per read, modem junk), :func:`~ecoguard.ingest.hj212.codec.decode`
judges each frame, and the device directory checks MN and PW.

Durable before acknowledged: accepted packets (and refused bytes, as quarantine) go to the
write-ahead log; a single committer writes each batch with one ``fsync`` in a worker thread
(group commit: everything that arrived while the previous ``fsync`` ran forms the next batch),
and only then sends the answers the packets asked for (HJ 212-2017 §6.5, Flag bit 0): ``9014``
for uploads, ``9013`` for notifications and heartbeats (HJ 212-2025 9015), ``9011`` with
``QnRtn`` 3 (PW), 4 (MN) or 8 (CN) for refused packets that asked for an answer. A mover process
(:mod:`.mover`) copies the log into the time-series store; a restart replays what it had not.

Commands (platform -> device, :mod:`.commands`): a ``1013`` time-calibration notification is
answered ``9013`` and then, on the same connection, a ``1012`` with the gateway's CST time;
operators drop requests (history 2051/2061/2031/2041, set/get time) into ``<home>/commands/``,
the housekeeping loop sends them on the device's open connection, tracks the 9011/9012 answers
by QN and writes the outcome to ``<home>/commands/done/<id>.json``.

Connection policy: junk and bad packets never close a connection; ``max_auth_failures``
consecutive unknown-MN / wrong-password packets do; so do ``idle_timeout`` seconds without a
byte and ``frame_timeout`` seconds stuck in an incomplete frame (slow sender).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gc
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from ecoguard.ingest.hj212.build import answer_frame
from ecoguard.ingest.hj212.codec import CST_ZONE, Packet, Reason, Refusal, decode, decode_many
from ecoguard.ingest.hj212.commands import (
    CN_TIME_CALIBRATION,
    Command,
    CommandDesk,
    CommandError,
    CommandRequest,
    State,
    command_frame,
    outcome_json,
    parse_request,
)
from ecoguard.ingest.hj212.directory import (
    DeviceDirectory,
    JsonDeviceDirectory,
    RegistryDeviceDirectory,
)
from ecoguard.ingest.hj212.factors import ANSWER_CNS, HEARTBEAT_CNS
from ecoguard.ingest.hj212.frame import Framer, Junk
from ecoguard.ingest.hj212.metrics import GatewayMetrics, serve_metrics
from ecoguard.ingest.hj212.spool import Spool
from ecoguard.ingest.hj212.wal import (
    SEGMENT_BYTES,
    WalRecord,
    WriteAheadLog,
    read_checkpoint,
)

__all__ = ["Gateway", "GatewayConfig", "answer_frame", "main", "serve_forever"]

_QNRTN = {Reason.WRONG_PASSWORD: 3, Reason.UNKNOWN_MN: 4, Reason.UNSUPPORTED_COMMAND: 8}
"""QnRtn codes of HJ 212-2017 Table 7 for refusals that can be answered."""
_ACCEPTED = (("outcome", "accepted"), ("reason", ""))
_BATCH_DECODE = 2
"""From this many frames in one loop pass on, CRCs are computed in one vectorised pass."""
_NOTIFICATIONS = frozenset({CN_TIME_CALIBRATION})
"""Device notifications answered with 9013 (2017 §6.5: notification, 2 steps)."""


@dataclass
class GatewayConfig:
    """Settings of one gateway process.

    Attributes
    ----------
    home : Path
        Gateway folder: ``wal/`` and ``state/``.
    store_root : Path
        Root of the time-series store the mover writes to.
    host, port : str, int
        Listening address (port 0: any free port).
    metrics_port : int or None
        Port of the Prometheus endpoint (``None``: off).
    devices_path : Path or None
        JSON device directory handed to the mover (site, minute interval, SM4 keys).
    registry_url : str or None
        Registry URL handed to the mover instead of a JSON file.
    idle_timeout : float
        Close a connection after this many seconds without a byte [s].
    frame_timeout : float
        Close a connection stuck this long in an incomplete frame [s].
    max_auth_failures : int
        Close after this many consecutive unknown-MN / wrong-PW packets.
    mover : bool
        Start the mover process.
    max_queue : int
        Records waiting for a group commit beyond which reading pauses on every connection.
    registry_interval : float
        With a registry directory: every this many seconds, reload devices and write back
        ``last_seen`` / ``connection_state`` [s].
    wal_segment_bytes : int
        Size of the zero-filled WAL segments.
    fsync : bool
        ``False`` only to measure the floor without durability.
    """

    home: Path
    store_root: Path
    host: str = "127.0.0.1"
    port: int = 0
    metrics_port: int | None = None
    devices_path: Path | None = None
    registry_url: str | None = None
    idle_timeout: float = 900.0
    frame_timeout: float = 30.0
    max_auth_failures: int = 3
    mover: bool = True
    fsync: bool = True
    max_queue: int = 20_000
    registry_interval: float = 30.0
    wal_segment_bytes: int = SEGMENT_BYTES


@dataclass
class DeviceState:
    """What the gateway knows of a device since it started."""

    mn: str
    last_seen: float = 0.0
    connections: int = 0
    peer: str = ""
    packets: int = 0
    refusals: int = 0
    conn: _Connection | None = None
    """The connection the device last opened (commands go there)."""
    packet: Packet | None = None
    """Its latest accepted packet: the version (Flag) and ST commands are sent with."""


class _Connection(asyncio.Protocol):
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.framer = Framer()
        self.transport: asyncio.Transport | None = None
        self.peer = ""
        self.last_rx = time.monotonic()
        self.frame_started: float | None = None
        self.auth_failures = 0
        self.mns: set[str] = set()
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        self.gateway.opened(self)

    def data_received(self, data: bytes) -> None:
        now = time.monotonic()
        self.last_rx = now
        received_at = time.time()
        if (
            not self.framer.pending
            and data[:2] == b"##"
            and data[-2:] == b"\r\n"
            and data[2:6].isdigit()
            and int(data[2:6]) == len(data) - 12
        ):  # fast path: exactly one whole frame in this read (the common case)
            self.gateway.handle(self, data[:-2], received_at, now)
            self.frame_started = None
            return
        for item in self.framer.feed(data):
            self.gateway.handle(self, item, received_at, now)
        if self.framer.pending:
            if self.frame_started is None:
                self.frame_started = now
        else:
            self.frame_started = None

    def pause_writing(self) -> None:  # the device does not read its answers: stop reading
        if self.transport is not None:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        if self.transport is not None and not self.closed and not self.gateway.paused:
            self.transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.gateway.lost(self)

    def send(self, frame: bytes) -> None:
        if not self.closed and self.transport is not None:
            self.transport.write(frame)

    def close(self) -> None:
        if not self.closed and self.transport is not None:
            self.transport.close()


class Gateway:
    """The gateway server. ``await start()``, then ``await stop()``.

    Parameters
    ----------
    config : GatewayConfig
        Settings.
    directory : DeviceDirectory
        Registered devices (MN -> password, site, SM4 key).
    """

    def __init__(self, config: GatewayConfig, directory: DeviceDirectory) -> None:
        self.config = config
        self.directory = directory
        self.wal_folder = config.home / "wal"
        self.state_folder = config.home / "state"
        self.spool = Spool(config.home / "commands")
        self.desk = CommandDesk()
        self._watch = self.desk.watch
        """MN -> commands in flight; empty (one truth test per packet) when none are out."""
        self._after_commit: list[Callable[[], None]] = []
        """Run after the next group commit has been answered (1012 after the 9013 of a 1013)."""
        self.devices: dict[str, DeviceState] = {}
        self.connections: set[_Connection] = set()
        self._pending: list[tuple[bytes, _Connection | None, bytes | None, float]] = []
        """Encoded WAL records waiting for the group commit, with whom to answer what."""
        self._inbox: list[tuple[_Connection, bytes | Junk, float, float]] = []
        self._inbox_scheduled = False
        self._reading_paused = False
        self._wake = asyncio.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="wal")
        self._tasks: list[asyncio.Task[None]] = []
        self._servers: list[asyncio.Server] = []
        self._mover: subprocess.Popen[bytes] | None = None
        self._wal: WriteAheadLog | None = None
        self._running = False
        self.port = 0
        self.metrics_port = 0
        self.metrics = GatewayMetrics(
            open_connections=lambda: len(self.connections),
            commit_queue=lambda: len(self._pending),
            backlog_bytes=self.backlog_bytes,
            devices_connected=lambda: sum(1 for d in self.devices.values() if d.connections > 0),
        )
        self.registry = self.metrics.registry

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Open the WAL, start the mover, listen."""
        loop = asyncio.get_running_loop()
        self.state_folder.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(self.spool.recover)
        self._wal = WriteAheadLog(
            self.wal_folder, fsync=self.config.fsync, segment_bytes=self.config.wal_segment_bytes
        )
        self._running = True
        if self.config.mover:
            self._start_mover()
        server = await loop.create_server(
            lambda: _Connection(self), self.config.host, self.config.port, backlog=4096
        )
        self._servers.append(server)
        self.port = server.sockets[0].getsockname()[1]
        if self.config.metrics_port is not None:
            metrics = await serve_metrics(self.registry, self.config.host, self.config.metrics_port)
            self._servers.append(metrics)
            self.metrics_port = metrics.sockets[0].getsockname()[1]
        self._tasks.append(asyncio.create_task(self._committer()))
        self._tasks.append(asyncio.create_task(self._housekeeping()))

    async def stop(self) -> None:
        """Stop listening, commit and answer what is pending, stop the mover."""
        for server in self._servers:
            server.close()
        for conn in list(self.connections):
            conn.close()
        self._running = False
        self._wake.set()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._wal is not None:
            self._wal.close()
        self._executor.shutdown(wait=True)
        for command in list(self.desk.by_qn.values()):
            self._finish(command, State.TIMED_OUT, "the gateway stopped before the answer")
        with contextlib.suppress(OSError):
            self.spool.write(self._outcomes(), [])
        self._write_state()
        for state in self.devices.values():
            state.connections = 0  # every connection is closed now
        await self._sync_registry()
        if self._mover is not None:
            self._mover.terminate()
            await asyncio.to_thread(self._mover.wait)

    def _start_mover(self) -> None:
        command = [
            sys.executable,
            "-m",
            "ecoguard.ingest.hj212.mover",
            "--wal",
            str(self.wal_folder),
            "--store",
            str(self.config.store_root),
            "--parent",
            str(os.getpid()),
        ]
        if self.config.devices_path is not None:
            command += ["--devices", str(self.config.devices_path)]
        if self.config.registry_url is not None:
            command += ["--registry", self.config.registry_url]
        self._mover = subprocess.Popen(command)  # noqa: S603 - our own module, fixed argv

    # ------------------------------------------------------------------ connections

    @property
    def paused(self) -> bool:
        """Reading is paused on every connection (commit queue over ``max_queue``)."""
        return self._reading_paused

    def opened(self, conn: _Connection) -> None:
        """A logger connected."""
        self.connections.add(conn)
        self.metrics.conn_total.inc()
        if self._reading_paused and conn.transport is not None:
            conn.transport.pause_reading()

    def lost(self, conn: _Connection) -> None:
        """A connection ended."""
        self.connections.discard(conn)
        for mn in conn.mns:
            state = self.devices.get(mn)
            if state is not None:
                state.connections = max(0, state.connections - 1)

    def _close(self, conn: _Connection, cause: str) -> None:
        self.metrics.closed.inc(cause=cause)
        conn.close()

    def handle(self, conn: _Connection, item: bytes | Junk, received_at: float, now: float) -> None:
        """Queue one framed item; items of one event-loop pass are judged together."""
        self._inbox.append((conn, item, received_at, now))
        if not self._inbox_scheduled:
            self._inbox_scheduled = True
            asyncio.get_running_loop().call_soon(self._drain_inbox)

    def _drain_inbox(self) -> None:
        """Decode everything received in this loop pass (one vectorised CRC pass for many
        frames, :func:`decode_many`), then act on each item in arrival order."""
        inbox, self._inbox = self._inbox, []
        self._inbox_scheduled = False
        frames = [item for _, item, _, _ in inbox if isinstance(item, bytes)]
        if len(frames) >= _BATCH_DECODE:
            results = iter(decode_many(frames, keys=self._key))
        else:
            results = iter([decode(f, keys=self._key) for f in frames])
        for conn, item, received_at, now in inbox:
            if isinstance(item, Junk):
                self._quarantine(conn, item.refusal, item.raw, received_at)
            else:
                self._judge(conn, item, next(results), received_at, now)

    def _judge(
        self,
        conn: _Connection,
        item: bytes,
        result: Packet | Refusal,
        received_at: float,
        now: float,
    ) -> None:
        """Act on one decoded frame: quarantine, log, answer."""
        if isinstance(result, Refusal):
            self._quarantine(conn, result, item, received_at)
            if result.packet is not None and result.packet.needs_answer:
                self._answer_refusal(conn, result.packet, result.reason)
            return
        packet = result
        device = self.directory.lookup(packet.mn)
        if device is None or device.password != packet.pw:
            reason = Reason.UNKNOWN_MN if device is None else Reason.WRONG_PASSWORD
            rule = (
                f"MN {packet.mn!r} is not in the device directory"
                if device is None
                else f"PW does not match the password registered for MN {packet.mn!r}"
            )
            refusal = Refusal(
                reason,
                "MN" if device is None else "PW",
                rule,
                6,
                mn=packet.mn,
                st=packet.st,
                cn=packet.cn,
                version=packet.version.label,
            )
            self._quarantine(conn, refusal, item, received_at)
            if packet.needs_answer:
                self._answer_refusal(conn, packet, reason)
            conn.auth_failures += 1
            if conn.auth_failures >= self.config.max_auth_failures:
                self._close(conn, "auth_failures")
            return
        conn.auth_failures = 0
        self.metrics.packets.inc_key(_ACCEPTED)
        state = self.devices.get(packet.mn)
        if state is None:
            state = self.devices[packet.mn] = DeviceState(packet.mn)
        if packet.mn not in conn.mns:
            conn.mns.add(packet.mn)
            state.connections += 1
            state.conn = conn
        state.last_seen = received_at
        state.peer = conn.peer
        state.packet = packet
        state.packets += 1
        cn = packet.cn
        if self._watch and packet.mn in self._watch:  # a command of ours is out (rare)
            self._observe(packet)
        if cn in HEARTBEAT_CNS or cn in ANSWER_CNS:
            if packet.needs_answer and cn in HEARTBEAT_CNS:
                conn.send(answer_frame(packet, "9013"))
                self.metrics.acks.inc(cn="9013")
                self.metrics.ack_latency.observe(time.monotonic() - now)
            return
        answer = None
        if cn in _NOTIFICATIONS:  # 1013: after its 9013, set the device's time (1012)
            answer = answer_frame(packet, "9013") if packet.needs_answer else None
            self._after_commit.append(functools.partial(self._calibrate, conn, packet.mn))
        elif packet.needs_answer:
            answer = answer_frame(packet, "9014")
        record = WalRecord("P", received_at, conn.peer, item).encode()
        self._pending.append((record, conn, answer, now))
        self._wake.set()
        if len(self._pending) > self.config.max_queue and not self._reading_paused:
            self._pause_all()

    def _key(self, mn: str) -> bytes | None:
        device = self.directory.lookup(mn)
        return None if device is None else device.sm4_key

    def _quarantine(
        self, conn: _Connection, refusal: Refusal, raw: bytes, received_at: float
    ) -> None:
        self.metrics.packets.inc(outcome="refused", reason=refusal.reason.value)
        if refusal.mn is not None:
            state = self.devices.get(refusal.mn)
            if state is not None:
                state.refusals += 1
        meta = {
            "reason": refusal.reason.value,
            "field": refusal.field,
            "rule": refusal.rule,
            "offset": refusal.offset,
            "mn": refusal.mn,
            "st": refusal.st,
            "cn": refusal.cn,
            "version": refusal.version,
        }
        record = WalRecord("R", received_at, conn.peer, raw[:4096], meta)
        self._pending.append((record.encode(), None, None, 0.0))
        self._wake.set()

    def _answer_refusal(self, conn: _Connection, packet: Packet, reason: Reason) -> None:
        code = _QNRTN.get(reason)
        if code is not None:
            conn.send(answer_frame(packet, "9011", f"QnRtn={code}"))
            self.metrics.acks.inc(cn="9011")

    # ------------------------------------------------------------------ group commit

    async def _committer(self) -> None:
        loop = asyncio.get_running_loop()
        wal = self._wal
        assert wal is not None
        while True:
            if not self._pending:
                if not self._running:
                    return
                await self._wake.wait()
                self._wake.clear()
                continue
            batch, self._pending = self._pending, []
            hooks, self._after_commit = self._after_commit, []
            started = time.monotonic()
            try:
                await loop.run_in_executor(
                    self._executor, wal.append_encoded, [b[0] for b in batch]
                )
            except OSError:
                self.metrics.wal_errors.inc()
                continue  # nothing in this batch is acknowledged; devices will resend
            done = time.monotonic()
            self.metrics.fsync.observe(done - started)
            self.metrics.wal_records.inc(len(batch))
            self.metrics.wal_batches.inc()
            for _record, conn, answer, t0 in batch:
                if conn is not None and answer is not None:
                    conn.send(answer)
                    self.metrics.ack_latency.observe(done - t0)
            self.metrics.acks.inc(sum(1 for b in batch if b[2] is not None), cn="9014")
            for hook in hooks:
                hook()
            if self._reading_paused and len(self._pending) < self.config.max_queue // 2:
                self._resume_all()

    def _pause_all(self) -> None:
        """Overload: stop reading from every connection until the commit queue drains, so
        that TCP flow control pushes back on the loggers instead of latency growing."""
        self._reading_paused = True
        self.metrics.overload.inc()
        for conn in self.connections:
            if conn.transport is not None and not conn.closed:
                conn.transport.pause_reading()

    def _resume_all(self) -> None:
        self._reading_paused = False
        for conn in self.connections:
            if conn.transport is not None and not conn.closed:
                conn.transport.resume_reading()

    # ------------------------------------------------------------------ commands

    def _observe(self, packet: Packet) -> None:
        """A packet of a device with a command in flight: 9011/9012, uploads, its time."""
        command = self.desk.observe(packet, time.monotonic(), datetime.now(UTC))
        if command is not None and packet.cn in ("9011", "9012"):
            code = command.qn_rtn if packet.cn == "9011" else command.exe_rtn
            self.metrics.cmd_answers.inc(cn=packet.cn, code=str(code))
        for done in self.desk.take_finished():
            self.metrics.cmd_outcomes.inc(state=done.state.value)

    def _connection(self, mn: str) -> _Connection | None:
        state = self.devices.get(mn)
        conn = None if state is None else state.conn
        return conn if conn is not None and not conn.closed else None

    def _calibrate(self, conn: _Connection, mn: str) -> None:
        """After the 9013 of a 1013: set the device's time (2017 §6.5, Table C.3)."""
        if conn.closed:
            return
        request = CommandRequest(id=f"calibrate-{mn}", kind="set-time", mn=mn)
        qn = self.desk.new_qn(datetime.now(CST_ZONE))
        self._send(self.desk.open(request, qn, report=False), conn)

    def _send(self, command: Command, conn: _Connection) -> None:
        """Write ``command`` with the registered PW and the version/ST last seen from the MN."""
        device = self.directory.lookup(command.mn)
        state = self.devices.get(command.mn)
        if device is None or state is None or state.packet is None:
            self._finish(command, State.UNKNOWN_MN, "MN left the device directory")
            return
        last = state.packet
        frame = command_frame(
            command.request,
            pw=device.password,
            st=last.st,
            version=last.version,
            qn=command.qn,
            now_cst=datetime.now(CST_ZONE).replace(tzinfo=None),
            key=device.sm4_key,
        )
        conn.send(frame)
        self.metrics.cmd_sent.inc(cn=command.cn)
        self.desk.sent(command, time.monotonic(), datetime.now(UTC))

    def _finish(self, command: Command, state: State, detail: str) -> None:
        self.desk.finish(command, state, detail)
        command.note(datetime.now(UTC), detail)
        for done in self.desk.take_finished():
            self.metrics.cmd_outcomes.inc(state=done.state.value)

    def _dispatch(self, request: CommandRequest) -> tuple[str, dict[str, object]] | None:
        """Send an operator's request, or say at once why it cannot be sent."""
        if self.directory.lookup(request.mn) is None:
            state, detail = State.UNKNOWN_MN, f"MN {request.mn!r} is not in the device directory"
        elif (conn := self._connection(request.mn)) is None:
            seen = self.devices.get(request.mn)
            state, detail = (
                State.NOT_CONNECTED,
                "the device has no open connection"
                + (
                    f" (last seen {datetime.fromtimestamp(seen.last_seen, UTC):%Y-%m-%dT%H:%M:%SZ})"
                    if seen is not None and seen.last_seen
                    else " (not seen since the gateway started)"
                ),
            )
        else:
            qn = self.desk.new_qn(datetime.now(CST_ZONE))
            self._send(self.desk.open(request, qn), conn)
            return None  # its outcome is written as a changed command
        self.metrics.cmd_outcomes.inc(state=state.value)
        return request.id, outcome_json(request, state, detail)

    async def _commands_tick(self, now: float) -> None:
        """Pick up spooled requests, resend or time out commands, write changed outcomes."""
        names = self.spool.pending()
        outcomes: list[tuple[str, dict[str, object]]] = []
        taken: list[Path] = []
        if names:
            for path, text in await asyncio.to_thread(self.spool.read, names):
                taken.append(path)
                try:
                    request = parse_request(text, path.name)
                    if request.id != path.stem:
                        raise CommandError(f"{path.name}: id {request.id!r} differs from the name")
                except CommandError as exc:
                    self.metrics.cmd_outcomes.inc(state=State.INVALID.value)
                    outcomes.append((path.stem, {"id": path.stem, "state": "invalid",
                                                 "final": True, "detail": str(exc)}))  # fmt: skip
                    continue
                if any(c.request.id == request.id for c in self.desk.by_qn.values()):
                    continue  # already in flight (a file written twice)
                outcome = self._dispatch(request)
                if outcome is not None:
                    outcomes.append(outcome)
        for command in self.desk.due(now, datetime.now(UTC)):
            conn = self._connection(command.mn)
            if conn is None:
                self._finish(command, State.NOT_CONNECTED, "the connection closed; not resent")
            else:
                self._send(command, conn)
        for done in self.desk.take_finished():
            self.metrics.cmd_outcomes.inc(state=done.state.value)
        outcomes += self._outcomes()
        if outcomes or taken:
            try:
                await asyncio.to_thread(self.spool.write, outcomes, taken)
            except OSError:
                self.metrics.cmd_errors.inc()

    def _outcomes(self) -> list[tuple[str, dict[str, object]]]:
        return [(c.request.id, self.desk.outcome(c)) for c in self.desk.take_changed()]

    # ------------------------------------------------------------------ housekeeping

    async def _housekeeping(self) -> None:
        last_state = 0.0
        last_registry = time.monotonic()
        while self._running:
            await asyncio.sleep(0.5)
            now = time.monotonic()
            for conn in [] if self._reading_paused else list(self.connections):
                if (
                    conn.frame_started is not None
                    and now - conn.frame_started > self.config.frame_timeout
                ):
                    pending = conn.framer.take_pending()
                    refusal = Refusal(
                        Reason.BAD_FRAME,
                        "tail",
                        f"incomplete frame for {self.config.frame_timeout:g} s "
                        "(no CRC and CRLF arrived)",
                        len(pending),
                    )
                    self._quarantine(conn, refusal, pending, time.time())
                    self._close(conn, "frame_timeout")
                elif now - conn.last_rx > self.config.idle_timeout:
                    self._close(conn, "idle_timeout")
            if now - last_state > 5:
                last_state = now
                await asyncio.to_thread(self._write_state)
                if self._mover is not None and self._mover.poll() is not None:
                    self.metrics.mover_restarts.inc()  # it died (a bug, a store error): start again
                    self._start_mover()
            if now - last_registry > self.config.registry_interval:
                last_registry = now
                await self._sync_registry()
            try:
                await self._commands_tick(now)
            except Exception:  # a bad spool file or a bug there must not stop the housekeeping
                self.metrics.cmd_errors.inc()

    async def _sync_registry(self) -> None:
        """With a registry directory: reload devices, write back last seen and online state."""
        directory = self.directory
        if not isinstance(directory, RegistryDeviceDirectory):
            return
        states = [
            (d.mn, datetime.fromtimestamp(d.last_seen, UTC), d.connections > 0)
            for d in list(self.devices.values())
            if d.last_seen
        ]
        try:
            await asyncio.to_thread(directory.refresh)
            if states:
                await asyncio.to_thread(directory.record_liveness, states)
        except Exception:  # a registry outage must not stop the gateway
            self.metrics.registry_errors.inc()

    def _write_state(self) -> None:
        """Write device last-seen and connection state to ``state/devices.json``."""
        rows = [
            {
                "mn": d.mn,
                "last_seen_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(d.last_seen)),
                "connected": d.connections > 0,
                "peer": d.peer,
                "packets": d.packets,
                "refusals": d.refusals,
            }
            for d in list(self.devices.values())
        ]
        tmp = self.state_folder / "devices.json.tmp"
        tmp.write_text(json.dumps({"devices": rows}, indent=1), encoding="utf-8")
        tmp.replace(self.state_folder / "devices.json")

    def backlog_bytes(self) -> float:
        """WAL bytes written and not yet moved to the store."""
        if self._wal is None:
            return 0.0
        with contextlib.suppress(OSError):  # a segment deleted by the mover meanwhile
            return float(self._wal.unmoved_bytes(read_checkpoint(self.wal_folder)))
        return float("nan")


async def run(config: GatewayConfig, directory: DeviceDirectory) -> None:
    """Run until SIGINT/SIGTERM."""
    gateway = Gateway(config, directory)
    await gateway.start()
    gc.collect()
    gc.freeze()  # long-lived tables and modules out of the collector's way (shorter GC pauses)
    line = f"listening on {config.host}:{gateway.port}"
    if gateway.metrics_port:
        line += f" metrics on {config.host}:{gateway.metrics_port}"
    print(line, flush=True)  # noqa: T201 - the readiness line scripts wait for
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await gateway.stop()


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m ecoguard.ingest.hj212.gateway``: run a gateway."""
    parser = argparse.ArgumentParser(description="HJ 212 gateway")
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--store", type=Path)
    parser.add_argument("--devices", type=Path)
    parser.add_argument("--registry")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--metrics-port", type=int)
    parser.add_argument("--idle-timeout", type=float, default=900.0)
    parser.add_argument("--frame-timeout", type=float, default=30.0)
    parser.add_argument("--no-mover", action="store_true")
    parser.add_argument("--no-fsync", action="store_true")
    args = parser.parse_args(argv)
    directory: DeviceDirectory
    if args.registry:
        directory = RegistryDeviceDirectory(args.registry)
    elif args.devices:
        directory = JsonDeviceDirectory.load(args.devices)
    else:
        directory = JsonDeviceDirectory()
    config = GatewayConfig(
        home=args.home,
        store_root=args.store or args.home / "timeseries",
        host=args.host,
        port=args.port,
        metrics_port=args.metrics_port,
        devices_path=args.devices,
        registry_url=args.registry,
        idle_timeout=args.idle_timeout,
        frame_timeout=args.frame_timeout,
        mover=not args.no_mover,
        fsync=not args.no_fsync,
    )
    serve_forever(config, directory)


def serve_forever(config: GatewayConfig, directory: DeviceDirectory) -> None:
    """Run the gateway on uvloop (libuv event loop; falls back to asyncio's own loop)."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is a dependency; keep the fallback
        asyncio.run(run(config, directory))
    else:
        uvloop.run(run(config, directory))


if __name__ == "__main__":
    main(sys.argv[1:])
