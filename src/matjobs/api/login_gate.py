"""What a login passes before its password is checked: the throttle, and a bounded number of
password checks at once, on threads of their own.

scrypt takes 16 MB and about 50 ms per check. On the server's general thread pool, every one
of its threads would in time hold such a buffer in its own malloc arena (a flood of failed
logins grew the server from 117 MB to 544 MB); on a few threads of their own, the buffers stay
as many as the threads. Past the queue, a login answers 503 at once rather than waiting.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from matjobs.credentials import verify_password, warm_up
from matjobs.errors import Busy, Throttled
from matjobs.settings import Settings
from matjobs.throttle import Rule, Throttle, address_key


class PasswordChecks:
    """`concurrency` checks at once, `queue` more waiting; more than that are refused."""

    def __init__(self, concurrency: int, queue: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max(1, concurrency), thread_name_prefix="matjobs-password")
        self._limit = max(1, concurrency) + max(0, queue)
        self._admitted = 0
        self._lock = threading.Lock()
        self._pool.submit(warm_up)

    async def verify(self, password: str, stored: str | None) -> bool:
        with self._lock:
            if self._admitted >= self._limit:
                raise Busy("too many logins are being checked at once; try again in a moment", retry_after=1)
            self._admitted += 1
        try:
            future = self._pool.submit(self._check, password, stored)
        except BaseException:
            self._release()
            raise
        return await asyncio.wrap_future(future)

    def _check(self, password: str, stored: str | None) -> bool:
        # Released when the check is done, not when its request is: a client that hangs up
        # must not make room for more checks than there are threads.
        try:
            return verify_password(password, stored)
        finally:
            self._release()

    def _release(self) -> None:
        with self._lock:
            self._admitted -= 1

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)


class LoginGate:
    """The throttle by user name and client address, then the bounded password checks."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.throttle = Throttle(Rule(settings.login_max_failures, settings.login_window_seconds))
        self.checks = PasswordChecks(settings.login_concurrency, settings.login_queue)
        self.clock = clock

    @staticmethod
    def keys(username: str, host: str | None) -> tuple[str, str]:
        return f"name:{username}", f"address:{address_key(host or '')}"

    def admit(self, username: str, host: str | None) -> None:
        """Refuse, without checking the password, a name or an address that failed too often."""
        name, address = self.keys(username, host)
        now = self.clock()
        by_name = self.throttle.wait_for([name], now)
        if by_name:
            raise Throttled(f"too many failed logins for user {username!r}; try again later", by_name)
        by_address = self.throttle.wait_for([address], now)
        if by_address:
            raise Throttled("too many failed logins from this address; try again later", by_address)

    def failed(self, username: str, host: str | None) -> None:
        self.throttle.failed(list(self.keys(username, host)), self.clock())

    def succeeded(self, username: str, host: str | None) -> None:
        self.throttle.succeeded(self.keys(username, host)[0])

    def close(self) -> None:
        self.checks.close()
