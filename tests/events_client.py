"""An event-stream listener for tests: reads a Server-Sent Events stream in a thread and keeps
what arrived, so that a test can wait for an event with a deadline."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from dataclasses import dataclass
from typing import Any

import httpx

from tests.helpers import wait_until


@dataclass(frozen=True)
class Received:
    id: int | None
    type: str
    data: dict[str, Any]


def parsed(lines: list[str]) -> Received | None:
    """One SSE message from its lines; None for a comment."""
    fields: dict[str, str] = {}
    for line in lines:
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        fields[name] = fields.get(name, "") + value.removeprefix(" ")
    if "data" not in fields:
        return None
    event_id = fields.get("id")
    return Received(int(event_id) if event_id else None, fields.get("event", "message"), json.loads(fields["data"]))


class Listening:
    def __init__(self, base_url: str, path: str, headers: dict[str, str], **params: Any) -> None:
        self.received: list[Received] = []
        self.status_code: int | None = None
        self.error_text = ""
        self._client = httpx.Client(base_url=base_url, headers=headers, timeout=httpx.Timeout(30, read=None))
        self._socket: socket.socket | None = None
        self._connected = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(path, params), daemon=True)
        self._thread.start()
        wait_until(self._connected.is_set, seconds=10, what=f"a connection to {path}")

    def _read(self, path: str, params: dict[str, Any]) -> None:
        try:
            with self._client.stream("GET", path, params=params) as response:
                self._socket = response.extensions["network_stream"].get_extra_info("socket")
                self.status_code = response.status_code
                if response.status_code != 200:
                    self.error_text = response.read().decode()
                    self._connected.set()
                    return
                lines: list[str] = []
                for line in response.iter_lines():
                    if line == "":
                        if lines and lines[0].startswith(": connected"):
                            self._connected.set()
                        message = parsed(lines)
                        if message is not None:
                            self.received.append(message)
                        lines = []
                    else:
                        lines.append(line)
        except (httpx.HTTPError, RuntimeError):
            pass  # closed by the test
        finally:
            self._connected.set()

    def of(self, kind: str, job_id: str | None = None) -> list[Received]:
        return [r for r in list(self.received) if r.type == kind and (job_id is None or r.data.get("jobId") == job_id)]

    def statuses(self, job_id: str) -> list[str]:
        return [r.data["status"] for r in self.of("job.status", job_id)]

    def wait_for_status(self, job_id: str, status: str, seconds: float = 60) -> None:
        wait_until(lambda: status in self.statuses(job_id), seconds=seconds, what=lambda: f"{self.statuses(job_id)}")

    def close(self) -> None:
        if self._socket is not None:
            # Wakes the reader blocked on the stream at once (closing the client would not).
            with contextlib.suppress(OSError):
                self._socket.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)
        self._client.close()

    def __enter__(self) -> Listening:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
