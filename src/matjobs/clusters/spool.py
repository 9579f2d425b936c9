"""The local cluster's memory on disk: what it received and started, and how each job ended.

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
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from matjobs.clusters.base import RunSpec

log = logging.getLogger("matjobs.clusters.spool")
SPEC, STARTING, STATUS = "spec", "starting", "status"
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
    """One flat folder of `<jid>.<record>` files: creating and removing a folder per job cost
    as much as the rest of the spool's work."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)

    def _path(self, jid: str, record: str) -> Path:
        return self.directory / f"{jid}.{record}"

    def receive(self, jid: str, spec: RunSpec) -> None:
        """The job exists for the cluster once this returns, and not before."""
        record = {**asdict(spec), "workdir": str(spec.workdir)}
        _write_whole(self._path(jid, SPEC), json.dumps(record))

    def announce_start(self, jid: str, token: str) -> Path:
        """Before spawning: the gate the process must pass to run (see `wrapper_command`).

        Written in place: a token cut short by a crash names a gate no process was given."""
        self._path(jid, STARTING).write_text(token)
        return self.gate(jid, token)

    def gate(self, jid: str, token: str) -> Path:
        return self._path(jid, f"gate-{token}")

    def status_file(self, jid: str) -> Path:
        return self._path(jid, STATUS)

    def mark(self, jid: str, mark: str) -> None:
        """Recorded before the kill it explains: a cancel or a timeout."""
        self._path(jid, mark).touch()

    def forget(self, jid: str) -> None:
        records = [SPEC, STATUS, *KILL_MARKS]
        with contextlib.suppress(OSError):
            records.append(f"gate-{self._path(jid, STARTING).read_text()}")
        for record in [*records, STARTING]:
            with contextlib.suppress(FileNotFoundError):
                self._path(jid, record).unlink()

    def load(self) -> Iterator[Entry]:
        """Every job the spool holds. Leftovers go: half-written records (a submit that never
        returned) and the gates of start attempts a restart settled."""
        names = [entry.name for entry in os.scandir(self.directory)]
        received = {name.split(".", 1)[0] for name in names if name.endswith("." + SPEC)}
        for jid in sorted(received):
            try:
                yield self._entry(jid)
            except (OSError, ValueError, KeyError, TypeError) as error:
                log.warning("spool record of job %s is unreadable and is skipped: %s", jid, error)
        for name in names:
            jid, _, record = name.partition(".")
            stale_gate = record.startswith("gate-") and not self._is_current_gate(jid, record)
            if name.startswith(".") or jid not in received or stale_gate:
                with contextlib.suppress(OSError):
                    (self.directory / name).unlink()

    def _is_current_gate(self, jid: str, record: str) -> bool:
        try:
            return record == f"gate-{self._path(jid, STARTING).read_text()}"
        except OSError:
            return False

    def _entry(self, jid: str) -> Entry:
        raw = json.loads(self._path(jid, SPEC).read_text())
        spec = RunSpec(**{**raw, "workdir": Path(raw["workdir"]), "reads": tuple(raw.get("reads") or ())})
        marks = frozenset(mark for mark in KILL_MARKS if self._path(jid, mark).exists())
        return Entry(jid, spec, self._started(jid), marks)

    def _started(self, jid: str) -> Started | None:
        """Whether the announced start happened, settled for good: if the process has not
        passed its gate yet, taking the gate first means it never will."""
        try:
            token = self._path(jid, STARTING).read_text()
        except FileNotFoundError:
            return None
        gate = self.gate(jid, token)
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
