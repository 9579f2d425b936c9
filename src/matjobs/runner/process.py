"""`matjobs runner` as a child of `matjobs serve`: one runner however many API workers there
are, in an interpreter of its own (so on a core of its own), started again if it dies."""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading

log = logging.getLogger("matjobs.runner.process")
RESTART_DELAY_S = 1.0
STOP_GRACE_S = 30.0
PR_SET_PDEATHSIG = 1  # prctl(2)
CANNOT_START = 2  # `matjobs runner`'s exit code for a configuration it cannot run with


class RunnerProcess:
    def __init__(self, env: dict[str, str] | None = None) -> None:
        self.env = {**os.environ, **(env or {})}
        self._process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="runner-watcher", daemon=True)

    def start(self) -> None:
        self._spawn()
        self._watcher.start()

    def stop(self) -> None:
        self._stopping.set()
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _spawn(self) -> None:
        parent = os.getpid()

        def end_with_parent() -> None:
            # However `serve` ends (uvicorn re-raises the SIGTERM it caught, which skips our
            # cleanup), the kernel stops the runner with it: SIGTERM, handled as Ctrl-C.
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
            if os.getppid() != parent:  # gone before the line above took effect
                os._exit(1)

        self._process = subprocess.Popen(
            [sys.executable, "-m", "matjobs", "runner"],
            env=self.env,
            preexec_fn=end_with_parent if sys.platform == "linux" else None,  # noqa: PLW1509
        )

    def _watch(self) -> None:
        while not self._stopping.is_set():
            assert self._process is not None
            code = self._process.wait()
            if code == CANNOT_START:
                log.error("the runner cannot start (its message is above); jobs will not run")
                return
            if self._stopping.wait(RESTART_DELAY_S):
                return
            log.warning("the runner process ended (exit code %s); starting it again", code)
            self._spawn()
