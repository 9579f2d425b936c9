"""The local cluster's memory on disk: what it received, started and saw end, one folder per job.

A runner killed at any moment leaves behind enough for the next one to carry on: a received
job is in the spool before `submit` returns, a start is announced (with a one-time gate token)
before the process is spawned, a kill is marked before its signal is sent, and the process
writes its own exit status. How a job ended follows from these, so it is not written again.
Each record is written whole (temporary file, then rename).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from matjobs.clusters.base import RunSpec

log = logging.getLogger("matjobs.clusters.spool")
SPEC, STARTING, STATUS = "spec.json", "starting", "status"
KILL_MARKS = ("cancel", "timeout")
GATE_WAIT_S = 1.0  # a spawned wrapper writes its pid into the gate it just created at once


@dataclass(frozen=True)
class Started:
    """A process the spool says was started: its group's id and when it passed its gate."""

    pid: int
    at: float  # epoch seconds


@dataclass(frozen=True)
class Entry:
    jid: str
    spec: RunSpec
    started: Started | None
    marks: frozenset[str]


class Spool:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def folder(self, jid: str) -> Path:
        return self.directory / jid

    def receive(self, jid: str, spec: RunSpec) -> None:
        """The job exists for the cluster once this returns, and not before."""
        staging = self.directory / f".{jid}.tmp"
        staging.mkdir()
        record = {**asdict(spec), "workdir": str(spec.workdir)}
        (staging / SPEC).write_text(json.dumps(record))
        staging.rename(self.folder(jid))

    def announce_start(self, jid: str, token: str) -> Path:
        """Before spawning: the gate the process must pass to run (see `wrapper_command`)."""
        _write_whole(self.folder(jid) / STARTING, token)
        return self.gate(jid, token)

    def gate(self, jid: str, token: str) -> Path:
        return self.folder(jid) / f"gate-{token}"

    def status_file(self, jid: str) -> Path:
        return self.folder(jid) / STATUS

    def mark(self, jid: str, mark: str) -> None:
        """Recorded before the kill it explains: a cancel or a timeout."""
        (self.folder(jid) / mark).touch()

    def forget(self, jid: str) -> None:
        folder = self.folder(jid)
        try:
            with os.scandir(folder) as entries:  # flat: cheaper than rmtree's walk
                for entry in entries:
                    os.unlink(entry.path)
            folder.rmdir()
        except OSError:
            shutil.rmtree(folder, ignore_errors=True)

    def load(self) -> Iterator[Entry]:
        """Every job the spool holds; unfinished receipts (a submit that never returned) go."""
        for folder in sorted(self.directory.iterdir()):
            if folder.name.startswith("."):
                shutil.rmtree(folder, ignore_errors=True)
                continue
            try:
                yield self._entry(folder)
            except (OSError, ValueError, KeyError, TypeError) as error:
                log.warning("spool entry %s is unreadable and is skipped: %s", folder, error)

    def _entry(self, folder: Path) -> Entry:
        jid = folder.name
        raw = json.loads((folder / SPEC).read_text())
        spec = RunSpec(**{**raw, "workdir": Path(raw["workdir"])})
        marks = frozenset(mark for mark in KILL_MARKS if (folder / mark).exists())
        return Entry(jid, spec, self._started(jid), marks)

    def _started(self, jid: str) -> Started | None:
        """Whether the announced start happened, settled for good: if the process has not
        passed its gate yet, taking the gate first means it never will."""
        starting = self.folder(jid) / STARTING
        if not starting.exists():
            return None
        gate = self.gate(jid, starting.read_text())
        try:
            with gate.open("x") as taken:
                taken.write("void")
            return None
        except FileExistsError:
            pass
        deadline = time.monotonic() + GATE_WAIT_S
        while not (content := gate.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.01)
        if content == "void" or not content.isdigit():
            return None if content == "void" else Started(pid=0, at=gate.stat().st_mtime)
        return Started(pid=int(content), at=gate.stat().st_mtime)


# The job's process: pass the gate (create it, refusing an existing one, and write its pid),
# run the command in its folder, then write the exit status where a later runner can read it.
_WRAPPER = """
set -C
gate=$1; status=$2; workdir=$3; shift 3
( echo $$ > "$gate" ) 2>/dev/null || exit 0
set +C
cd "$workdir" || exit 1
"$@"
code=$?
echo $code > "$status"
exit $code
"""


def wrapper_command(gate: Path, status: Path, spec: RunSpec) -> list[str]:
    return ["/bin/sh", "-c", _WRAPPER, "matjobs-job", str(gate), str(status), str(spec.workdir), *spec.command]


def read_status(path: Path) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        return int(path.read_text().strip())
    return None


def process_alive(started: Started) -> bool:
    """Whether the process started then still runs: the pid is alive, not a zombie, and began
    no later than it passed its gate (a recycled pid began after)."""
    if started.pid <= 0:
        return False
    try:
        stat = Path(f"/proc/{started.pid}/stat").read_text()
    except OSError:
        return False
    fields = stat[stat.rindex(")") + 2 :].split()
    state, start_ticks = fields[0], int(fields[19])
    if state in ("Z", "X"):
        return False
    began = _boot_time() + start_ticks / os.sysconf("SC_CLK_TCK")
    return began <= started.at + 1.0


def _boot_time() -> float:
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith("btime "):
            return float(line.split()[1])
    return 0.0


def _write_whole(path: Path, text: str) -> None:
    staging = path.with_name(f".{path.name}.tmp")
    staging.write_text(text)
    staging.replace(path)
