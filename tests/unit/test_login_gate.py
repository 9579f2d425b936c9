"""Password checks past the bounded queue are refused at once, not queued."""

from __future__ import annotations

import asyncio
import threading

import pytest

from matjobs.api.login_gate import PasswordChecks
from matjobs.credentials import hash_password
from matjobs.errors import Busy


class HeldChecks(PasswordChecks):
    """A fake: each check waits for `go` first, so the test decides when checks finish."""

    def __init__(self, concurrency: int, queue: int) -> None:
        super().__init__(concurrency, queue)
        self.go = threading.Event()

    def _check(self, password: str, stored: str | None) -> bool:
        self.go.wait()
        return super()._check(password, stored)


def test_a_check_past_the_queue_is_refused_and_a_finished_check_makes_room() -> None:
    stored = hash_password("the password")

    async def scenario() -> None:
        checks = HeldChecks(concurrency=1, queue=1)
        try:
            admitted = [asyncio.ensure_future(checks.verify("the password", stored)) for _ in range(2)]
            await asyncio.sleep(0)  # both are admitted and handed to the pool
            with pytest.raises(Busy) as refused:
                await checks.verify("the password", stored)
            assert refused.value.retry_after >= 1
            checks.go.set()
            assert await asyncio.gather(*admitted) == [True, True]
            assert await checks.verify("a wrong one", stored) is False
            assert await checks.verify("anything", None) is False  # an unknown user
        finally:
            checks.go.set()
            checks.close()

    asyncio.run(scenario())
