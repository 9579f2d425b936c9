"""Password guessing is throttled per user name and per client address, on a server of its own
(the suite's shared server sees every test client at 127.0.0.1). Clients come from distinct
loopback addresses, each bound to its own source address."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from matjobs.settings import Settings
from matjobs.store import Store
from tests.conftest import User, make_user
from tests.servers import LiveServer

MAX_FAILURES = 3


@pytest.fixture
def guarded(backend: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("throttled"),
        database_url=backend.url,
        login_max_failures=MAX_FAILURES,
        login_window_seconds=600,
    )
    live = LiveServer(settings, backend)
    live.start()
    yield live
    live.stop()


def client_from(server: LiveServer, address: str) -> httpx.Client:
    transport = httpx.HTTPTransport(local_address=address)
    return httpx.Client(base_url=server.url, transport=transport, timeout=30)


def login(client: httpx.Client, username: str, password: str) -> httpx.Response:
    return client.post("/api/v1/login", data={"username": username, "password": password})


def assert_throttled(response: httpx.Response, about: str) -> None:
    assert response.status_code == 429, response.text
    assert int(response.headers["Retry-After"]) > 0
    assert about in response.json()["data"]["message"]


def test_a_flooded_name_and_a_flooding_address_are_refused_and_other_users_still_log_in(
    backend: Store, guarded: LiveServer
) -> None:
    x: User = make_user(backend, guarded, "x")
    y: User = make_user(backend, guarded, "y")
    with (
        client_from(guarded, "127.0.0.2") as flooder,
        client_from(guarded, "127.0.0.3") as other,
        client_from(guarded, "127.0.0.4") as elsewhere,
    ):
        for _ in range(MAX_FAILURES):
            assert login(flooder, x.username, "a wrong guess").status_code == 401
        # The name, from anywhere, even with its right password: not checked until the pause ends.
        assert_throttled(login(flooder, x.username, x.password), f"user {x.username!r}")
        assert_throttled(login(elsewhere, x.username, x.password), f"user {x.username!r}")
        # The address, for any name.
        assert_throttled(login(flooder, y.username, y.password), "from this address")
        assert_throttled(login(flooder, "no-such-user", "a wrong guess"), "from this address")
        # Anyone else logs in.
        assert login(other, y.username, y.password).status_code == 200
        assert login(elsewhere, y.username, y.password).status_code == 200
    for user in (x, y):
        user.http.close()


def test_failures_under_the_limit_are_forgotten_once_the_name_logs_in(backend: Store, guarded: LiveServer) -> None:
    x = make_user(backend, guarded, "x")
    with client_from(guarded, "127.0.0.5") as owner, client_from(guarded, "127.0.0.6") as guesser:
        for _ in range(MAX_FAILURES - 1):
            assert login(guesser, x.username, "a wrong guess").status_code == 401
        assert login(owner, x.username, x.password).status_code == 200
        # Counted afresh: the name is not locked by the next failure.
        assert login(owner, x.username, "a typo").status_code == 401
        assert login(owner, x.username, x.password).status_code == 200
    x.http.close()
