"""The operator's channel to a running gateway: a spool folder (files only, no extra service).

Layout under ``<gateway home>/commands/``::

    <id>.json          a request (:func:`~.commands.request_json`), written as a hidden
                       ``.<id>.json.tmp`` and renamed, so the gateway never reads half a file
    done/<id>.json     its outcome (:func:`~.commands.outcome_json`), rewritten (tmp, rename) at
                       every change until ``"final": true``

The CLI (``ecoguard gateway request-history|set-time|get-time|commands``) writes requests and
reads outcomes; the gateway's housekeeping loop takes requests and writes outcomes.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from pathlib import Path
from typing import Any, Final

from ecoguard.ingest.hj212.commands import CommandRequest, State, request_json

__all__ = ["KEEP_OUTCOMES", "Spool"]

KEEP_OUTCOMES: Final = 90 * 86400.0
"""Outcome files older than this [s] are deleted when a gateway starts."""


class Spool:
    """One spool folder.

    Parameters
    ----------
    folder : Path
        ``<gateway home>/commands``.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.done = self.folder / "done"

    # ------------------------------------------------------------------ operator side

    def submit(self, request: CommandRequest) -> Path:
        """Queue ``request`` atomically; returns the request file."""
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / f".{request.id}.json.tmp"
        tmp.write_text(request_json(request), encoding="utf-8")
        queued = self.folder / f"{request.id}.json"
        tmp.replace(queued)
        return queued

    def withdraw(self, command_id: str) -> bool:
        """Remove a request no gateway has taken; ``False`` if one took it meanwhile."""
        try:
            (self.folder / f"{command_id}.json").unlink()
        except FileNotFoundError:
            return False
        return True

    def outcome(self, command_id: str) -> dict[str, Any] | None:
        """The latest outcome of a command, or ``None`` before the gateway wrote one."""
        try:
            body: dict[str, Any] = json.loads((self.done / f"{command_id}.json").read_text("utf-8"))
        except (FileNotFoundError, ValueError):  # not yet, or being replaced
            return None
        return body

    def wait(self, command_id: str, seconds: float) -> dict[str, Any] | None:
        """Poll the outcome until it is final or ``seconds`` have passed; the last one seen."""
        deadline = time.monotonic() + seconds
        outcome = None
        while True:
            outcome = self.outcome(command_id) or outcome
            if (outcome is not None and outcome.get("final")) or time.monotonic() >= deadline:
                return outcome
            time.sleep(0.1)

    def listing(self) -> list[tuple[float, dict[str, Any]]]:
        """``(mtime, row)`` of queued requests (state ``queued``) and of every outcome."""
        rows: list[tuple[float, dict[str, Any]]] = []
        if not self.folder.is_dir():
            return rows
        for path in self.folder.glob("*.json"):
            with contextlib.suppress(OSError):
                rows.append((path.stat().st_mtime, {"id": path.stem, "state": "queued"}))
        for path in self.done.glob("*.json"):
            with contextlib.suppress(OSError, ValueError):  # replaced while listing
                rows.append((path.stat().st_mtime, json.loads(path.read_text(encoding="utf-8"))))
        return rows

    # ------------------------------------------------------------------ gateway side

    def pending(self) -> list[Path]:
        """Request files waiting, in name order (cheap: one directory scan)."""
        try:
            with os.scandir(self.folder) as entries:
                return sorted(
                    Path(e.path) for e in entries if e.name.endswith(".json") and e.is_file()
                )
        except OSError:
            return []

    @staticmethod
    def read(paths: list[Path]) -> list[tuple[Path, bytes]]:
        """The bytes of each request file still there (another reader may have taken one)."""
        found = []
        for path in paths:
            with contextlib.suppress(OSError):
                found.append((path, path.read_bytes()))
        return found

    def write(self, outcomes: list[tuple[str, dict[str, object]]], taken: list[Path]) -> None:
        """Outcome files (atomically: tmp, then rename), then remove the requests taken."""
        self.done.mkdir(parents=True, exist_ok=True)
        for command_id, body in outcomes:
            tmp = self.done / f".{command_id}.json.tmp"
            tmp.write_text(json.dumps(body, indent=1, ensure_ascii=False), encoding="utf-8")
            tmp.replace(self.done / f"{command_id}.json")
        for path in taken:
            path.unlink(missing_ok=True)

    def recover(self) -> None:
        """At start: commands a previous process left in flight are timed out; outcome files
        older than :data:`KEEP_OUTCOMES` are deleted."""
        self.done.mkdir(parents=True, exist_ok=True)
        cutoff = time.time() - KEEP_OUTCOMES
        for path in self.done.glob("*.json"):
            with contextlib.suppress(OSError, ValueError):
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    continue
                body = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(body, dict) and body.get("final") is False:
                    body |= {"state": State.TIMED_OUT.value, "final": True,
                             "detail": "the gateway restarted before the answer"}  # fmt: skip
                    self.write([(path.stem, body)], [])
