"""SQLite's writers taking turns: the threads of a process on a mutex, processes on a lock file.

SQLite has one writer at a time, and a writer that finds the database locked sleeps in steps
of up to 100 ms before it looks again; under a steady stream of writes from one process (the
API), another (the runner) can wait for seconds. Waiting on a mutex and on `flock` instead,
the next writer starts the moment the previous one is done.
"""

from __future__ import annotations

import fcntl
import threading
from pathlib import Path
from types import TracebackType
from typing import IO


class WriterTurns:
    def __init__(self, database: Path | None) -> None:
        self._mutex = threading.Lock()
        # Held open for the store's life; the kernel drops the lock if the process dies.
        self._file: IO[str] | None = None
        if database is not None:
            self._file = database.with_name(database.name + ".writer").open("a")

    def __enter__(self) -> None:
        self._mutex.acquire()
        if self._file is not None:
            try:
                fcntl.flock(self._file, fcntl.LOCK_EX)
            except BaseException:
                self._mutex.release()
                raise

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
        self._mutex.release()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
