"""The server's public API as the CLI calls it: one method per call, errors as one-line messages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from httpx_sse import SSEError, connect_sse

from matjobs.client.config import Connection

API = "/api/v1"
TIMEOUT_S = 30.0
# The server sends a keepalive every 15 s: a stream silent for longer has died, and is reopened.
STREAM_READ_TIMEOUT_S = 45.0
OPEN = "stream.open"


class ClientError(Exception):
    """A failure to tell the user in one line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unauthorized(ClientError):
    """The server refused the credentials; `said` is its own reason."""

    def __init__(self, said: str) -> None:
        super().__init__(f"not logged in: {said} (run `matjobs login`, or give --token)")
        self.said = said


class Missing(ClientError):
    """The server has no such job for this account."""


class Unreachable(ClientError):
    """The server could not be reached, or stopped answering."""


class Event:
    """One message of the event stream: its id (None for unstored ones), type and data."""

    def __init__(self, event_id: int | None, kind: str, data: dict[str, Any]) -> None:
        self.id = event_id
        self.kind = kind
        self.data = data


class Server:
    """The API of one matjobs server, called with one connection's credentials."""

    def __init__(self, connection: Connection, transport: httpx.BaseTransport | None = None) -> None:
        self.connection = connection
        self._http = httpx.Client(
            base_url=connection.server, headers=connection.headers(), timeout=TIMEOUT_S, transport=transport
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # Sessions

    def login(self, username: str, password: str) -> Connection:
        try:
            data = self._call("POST", "/login", data={"username": username, "password": password})
        except Unauthorized as refused:
            raise ClientError(refused.said) from None
        return Connection(self.connection.server, str(data["X-Auth-Token"]), str(data["X-User-Id"]))

    # Jobs

    def jobs(self, selector: dict[str, Any] | None, *, limit: int, skip: int) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"limit": limit, "skip": skip, "sort": "-createdAt"}
        if selector:
            params["query"] = json.dumps(selector)
        return list(self._call("GET", "/jobs", params=params))

    def job(self, job_id: str) -> dict[str, Any]:
        return dict(self._job_call("GET", job_id, ""))

    def create_job(self, body: dict[str, Any]) -> dict[str, Any]:
        return dict(self._call("POST", "/jobs", json=body))

    def submit(self, job_id: str) -> dict[str, Any]:
        return dict(self._job_call("POST", job_id, "", params={"submit": "true"}))

    def terminate(self, job_id: str) -> dict[str, Any]:
        return dict(self._job_call("POST", job_id, "/terminate"))

    def delete(self, job_id: str) -> None:
        self._job_call("DELETE", job_id, "")

    def properties(self, job_id: str) -> list[dict[str, Any]]:
        return list(self._job_call("GET", job_id, "/properties"))

    def files(self, job_id: str) -> list[dict[str, Any]]:
        return list(self._job_call("GET", job_id, "/files"))

    def read_file(self, link: str, offset: int = 0) -> bytes:
        """A file's bytes from `offset` on, through its signed link (no credentials needed)."""
        headers = {"Range": f"bytes={offset}-"} if offset else {}
        response = self._send("GET", link, headers=headers)
        if response.status_code == 416:  # nothing past offset
            return b""
        self._check(response)
        return response.content

    def download(self, link: str, target: Path) -> int:
        """Stream a file to `target` through its signed link; its size."""
        partial = target.with_name(f".{target.name}.partial")
        try:
            with self._http.stream("GET", link) as response:
                if response.is_error:
                    response.read()
                    self._check(response)
                size = 0
                with partial.open("wb") as out:
                    for chunk in response.iter_bytes():
                        out.write(chunk)
                        size += len(chunk)
            partial.replace(target)
            return size
        except httpx.HTTPError as error:
            raise self._unreachable(error) from None
        finally:
            partial.unlink(missing_ok=True)

    # Materials, workflows, projects

    def import_material(self, name: str, content: str, file_format: str) -> dict[str, Any]:
        body = {"name": name, "content": content, "format": file_format}
        return dict(self._call("POST", "/materials/import", json=body))

    def documents(self, kind: str, selector: dict[str, Any] | None = None, *, limit: int = 500) -> list[dict[str, Any]]:
        """`kind`: materials, workflows, bank-workflows, projects."""
        params: dict[str, Any] = {"limit": limit, "sort": "name"}
        if selector:
            params["query"] = json.dumps(selector)
        return list(self._call("GET", f"/{kind}", params=params))

    def copy_bank_workflow(self, workflow_id: str) -> dict[str, Any]:
        return dict(self._call("POST", f"/bank-workflows/{workflow_id}/copy"))

    # Events

    def events(self, job_ids: list[str], after: int | None) -> Iterator[Event]:
        """The stream of the jobs' events after event `after`, until the server closes it; first
        an `open` event (no id, no data) once the server has accepted the stream. One job has a
        stream of its own; several are filtered from the account's."""
        path = f"{API}/jobs/{job_ids[0]}/events" if len(job_ids) == 1 else f"{API}/jobs/events"
        headers = {"Last-Event-ID": str(after)} if after is not None else {}
        wanted = set(job_ids)
        timeout = httpx.Timeout(TIMEOUT_S, read=STREAM_READ_TIMEOUT_S)
        try:
            with connect_sse(self._http, "GET", path, headers=headers, timeout=timeout) as source:
                response = source.response
                if response.is_error:
                    response.read()
                    self._check(response, job_ids[0] if len(job_ids) == 1 else None)
                yield Event(None, OPEN, {})
                for message in source.iter_sse():
                    event = _event(message.id, message.event, message.data)
                    if event is not None and event.data.get("jobId") in wanted:
                        yield event
        except SSEError as error:
            raise ClientError(f"the server's event stream: {error}") from None
        except httpx.HTTPError as error:
            raise self._unreachable(error) from None

    # Plumbing

    def _job_call(self, method: str, job_id: str, tail: str, **kwargs: Any) -> Any:
        return self._call(method, f"/jobs/{job_id}{tail}", job_id=job_id, **kwargs)

    def _call(self, method: str, path: str, *, job_id: str | None = None, **kwargs: Any) -> Any:
        response = self._send(method, API + path, **kwargs)
        self._check(response, job_id)
        try:
            answer = response.json()
        except ValueError:
            raise ClientError(f"{self.connection.server} answered {method} {path} with no JSON") from None
        return answer.get("data") if isinstance(answer, dict) else answer

    def _send(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            return self._http.request(method, url, **kwargs)
        except httpx.HTTPError as error:
            raise self._unreachable(error) from None

    def _unreachable(self, error: httpx.HTTPError) -> ClientError:
        """The one-line message for a failed exchange."""
        if isinstance(error, httpx.TimeoutException):
            return Unreachable(f"server {self.connection.server} did not answer in time")
        if isinstance(error, httpx.TransportError):
            return Unreachable(f"cannot reach server {self.connection.server}")
        return ClientError(f"server {self.connection.server}: {error}")

    def _check(self, response: httpx.Response, job_id: str | None = None) -> None:
        if not response.is_error:
            return
        said = _message(response)
        if response.status_code == 401:
            raise Unauthorized(said)
        if response.status_code == 404 and job_id is not None:
            raise Missing(f"job {job_id} not found")
        raise ClientError(said)


def _message(response: httpx.Response) -> str:
    try:
        answer = response.json()
    except ValueError:
        return f"the server answered {response.status_code}"
    data = answer.get("data") if isinstance(answer, dict) else None
    for message in (answer.get("message") if isinstance(answer, dict) else None, _get(data, "message")):
        if isinstance(message, str) and message:
            return message
    return f"the server answered {response.status_code}"


def _get(value: Any, key: str) -> Any:
    return value.get(key) if isinstance(value, dict) else None


def _event(event_id: str, kind: str, data: str) -> Event | None:
    try:
        parsed = json.loads(data)
    except ValueError:
        return None
    if not isinstance(parsed, dict):
        return None
    return Event(int(event_id) if event_id.isdigit() else None, kind, parsed)
