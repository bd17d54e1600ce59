"""Gateway metrics in the Prometheus text exposition format (version 0.0.4).

A deliberately small registry: counters and gauges with labels, and one histogram type with
fixed buckets. :func:`serve_metrics` answers ``GET /metrics`` on its own asyncio TCP port.
"""

from __future__ import annotations

import asyncio
import bisect
from collections.abc import Callable, Sequence
from typing import TypeVar

__all__ = ["Counter", "GatewayMetrics", "Gauge", "Histogram", "Registry", "serve_metrics"]

Labels = tuple[tuple[str, str], ...]
_M = TypeVar("_M", "Counter", "Gauge", "Histogram")


def _labels(labels: Labels) -> str:
    if not labels:
        return ""
    inner = ",".join(
        '{}="{}"'.format(k, v.replace("\\", "\\\\").replace('"', '\\"')) for k, v in labels
    )
    return "{" + inner + "}"


class Counter:
    """A monotonically increasing count, per label set."""

    kind = "counter"

    def __init__(self, name: str, help_text: str) -> None:
        self.name, self.help = name, help_text
        self.values: dict[Labels, float] = {}

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        """Add ``amount`` to the series of ``labels``."""
        key = tuple(sorted(labels.items()))
        self.values[key] = self.values.get(key, 0.0) + amount

    def inc_key(self, key: Labels, amount: float = 1.0) -> None:
        """:meth:`inc` with the label tuple given ready-made (sorted by name): the hot path."""
        self.values[key] = self.values.get(key, 0.0) + amount

    def get(self, **labels: str) -> float:
        """Current value of one series."""
        return self.values.get(tuple(sorted(labels.items())), 0.0)

    def render(self) -> list[str]:
        """Exposition lines."""
        return [f"{self.name}{_labels(k)} {v:g}" for k, v in sorted(self.values.items())]


class Gauge(Counter):
    """A value that goes up and down; optionally read from a callback at scrape time."""

    kind = "gauge"

    def __init__(self, name: str, help_text: str, read: Callable[[], float] | None = None) -> None:
        super().__init__(name, help_text)
        self._read = read

    def set(self, value: float, **labels: str) -> None:
        """Set the series of ``labels``."""
        self.values[tuple(sorted(labels.items()))] = value

    def render(self) -> list[str]:
        """Exposition lines."""
        if self._read is not None:
            self.values[()] = self._read()
        return super().render()


class Histogram:
    """Cumulative-bucket histogram (seconds), without labels."""

    kind = "histogram"

    def __init__(self, name: str, help_text: str, buckets: Sequence[float]) -> None:
        self.name, self.help = name, help_text
        self.bounds = sorted(buckets)
        self.counts = [0] * (len(self.bounds) + 1)
        self.total = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        """Record one observation."""
        self.counts[bisect.bisect_left(self.bounds, value)] += 1
        self.total += value
        self.count += 1

    def render(self) -> list[str]:
        """Exposition lines."""
        lines = []
        running = 0
        for bound, n in zip(self.bounds, self.counts, strict=False):
            running += n
            lines.append(f'{self.name}_bucket{{le="{bound:g}"}} {running}')
        lines.append(f'{self.name}_bucket{{le="+Inf"}} {self.count}')
        lines.append(f"{self.name}_sum {self.total:g}")
        lines.append(f"{self.name}_count {self.count}")
        return lines


class Registry:
    """A set of metrics rendered together."""

    def __init__(self) -> None:
        self.metrics: list[Counter | Histogram] = []

    def add(self, metric: _M) -> _M:
        """Register and return ``metric``."""
        self.metrics.append(metric)
        return metric

    def render(self) -> str:
        """The whole exposition text."""
        lines = []
        for metric in self.metrics:
            lines.append(f"# HELP {metric.name} {metric.help}")
            lines.append(f"# TYPE {metric.name} {metric.kind}")
            lines.extend(metric.render())
        return "\n".join(lines) + "\n"


async def serve_metrics(registry: Registry, host: str, port: int) -> asyncio.Server:
    """Serve ``GET /metrics`` (any path) with the registry's text; return the server."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
            body = registry.render().encode()
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; version=0.0.4\r\n"
                b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body)
            )
            await writer.drain()
        except (
            TimeoutError,
            asyncio.IncompleteReadError,
            ConnectionError,
            asyncio.LimitOverrunError,
        ):
            pass
        finally:
            writer.close()

    return await asyncio.start_server(handle, host, port)


class GatewayMetrics:
    """The gateway's metrics, registered in one :class:`Registry` (``hj212_*`` names).

    Parameters
    ----------
    open_connections, commit_queue, backlog_bytes, devices_connected : callable
        Read at scrape time: open connections, records waiting for the group commit, WAL bytes
        not yet moved to the store, devices with an open connection.
    """

    def __init__(
        self,
        *,
        open_connections: Callable[[], float],
        commit_queue: Callable[[], float],
        backlog_bytes: Callable[[], float],
        devices_connected: Callable[[], float],
    ) -> None:
        r = self.registry = Registry()
        self.conn_total = r.add(Counter("hj212_connections_total", "Connections accepted."))
        self.conn_open = r.add(
            Gauge("hj212_connections_open", "Open connections.", open_connections)
        )
        self.packets = r.add(
            Counter("hj212_packets_total", "Frames by outcome and refusal reason.")
        )
        self.acks = r.add(Counter("hj212_answers_total", "Answers sent, by CN."))
        self.ack_latency = r.add(
            Histogram(
                "hj212_ack_latency_seconds",
                "From receipt of a packet to its answer (after fsync).",
                [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30],
            )
        )
        self.fsync = r.add(
            Histogram(
                "hj212_wal_commit_seconds",
                "Write + fsync of one WAL batch.",
                [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5],
            )
        )
        self.wal_records = r.add(Counter("hj212_wal_records_total", "Records made durable."))
        self.wal_batches = r.add(Counter("hj212_wal_batches_total", "Group commits."))
        self.wal_errors = r.add(Counter("hj212_wal_errors_total", "Failed commits."))
        r.add(Gauge("hj212_commit_queue_records", "Records waiting for the next group commit.",
                    commit_queue))  # fmt: skip
        r.add(Gauge("hj212_wal_backlog_bytes", "WAL bytes not yet moved to the time-series store.",
                    backlog_bytes))  # fmt: skip
        r.add(Gauge("hj212_devices_connected", "Devices with an open connection.",
                    devices_connected))  # fmt: skip
        self.closed = r.add(Counter("hj212_connections_closed_total", "Closes, by cause."))
        self.registry_errors = r.add(
            Counter("hj212_registry_errors_total", "Failed device reloads / state write-backs.")
        )
        self.mover_restarts = r.add(
            Counter("hj212_mover_restarts_total", "Mover processes restarted after exiting.")
        )
        self.overload = r.add(
            Counter("hj212_overload_pauses_total", "Times reading was paused for the WAL.")
        )
        self.cmd_sent = r.add(
            Counter("hj212_commands_sent_total", "Commands sent to devices (resends too), by CN.")
        )
        self.cmd_answers = r.add(
            Counter("hj212_command_answers_total", "9011/9012 answers to commands, by CN and code.")
        )
        self.cmd_outcomes = r.add(
            Counter("hj212_command_outcomes_total", "Commands finished, by final state.")
        )
        self.cmd_errors = r.add(
            Counter("hj212_command_errors_total", "Failed rounds of the command spool.")
        )
