"""SLURM's job completion log (JobCompType=jobcomp/filetxt), read as it grows, and rotated.

`sacct --completion` rereads the whole file on every call, so a poll costs more each day. Here
a reader keeps its place (the file's inode and a byte offset) and reads only what slurmctld
appended since; a poll's cost no longer depends on history.

Rotation: rename `<log>` to `<log>.1`, then `scontrol reconfigure`. slurmctld 22.05 writes the
log through a file descriptor opened with O_APPEND, and reconfigure closes it and opens
JobCompLoc again (checked on 22.05.8: after the rename and a reconfigure, slurmctld's
descriptor names a new inode at the old path, and the next job's record lands there). Records
written between the rename and the reopen go to the renamed file, so none is lost. Copy and
truncate would lose the records written between the copy and the truncate, so it is not used;
a reader that finds the file shorter than its offset (someone else truncated it) still reads
the rest of `<log>.1` first. Without the right to reconfigure, the rename is undone.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from matjobs.clusters.base import Report, State
from matjobs.clusters.slurm_states import STATES

log = logging.getLogger("matjobs.clusters.completion_log")
ROTATE_BYTES = 64 * 1024 * 1024  # about 130,000 records: read whole once when a runner starts
REMEMBERED = 200_000  # records kept in memory; the oldest go first


@dataclass(frozen=True)
class Completion:
    """One job's record: its id, its name, and how it ended."""

    jid: str
    name: str
    report: Report


def parse_record(line: str) -> Completion | None:
    """`JobId=13 UserId=root(0) ... Name=matjobs-X JobState=FAILED ... ExitCode=3:0`.

    Fields are `key=value` separated by spaces, and values are not quoted: a work folder with a
    space leaves a fragment without `=`, skipped. The first occurrence of a key counts, as
    JobId, Name and JobState come before the free-text fields."""
    fields: dict[str, str] = {}
    for token in line.split():
        key, equals, value = token.partition("=")
        if equals and key not in fields:
            fields[key] = value
    jid, state = fields.get("JobId", ""), fields.get("JobState", "")
    if not jid.isdigit() or not state:
        return None
    code, _, sig = fields.get("ExitCode", "").partition(":")
    mapped = STATES.get(state, State.FAILED)
    report = Report(
        jid,
        mapped,
        exit_code=int(code) if code.isdigit() and int(code) else (0 if mapped is State.COMPLETED else None),
        signal=int(sig) if sig.isdigit() and int(sig) else None,
    )
    return Completion(jid, fields.get("Name", ""), report)


def parse_records(text: str) -> list[Completion]:
    return [record for line in text.splitlines() if (record := parse_record(line)) is not None]


@dataclass(frozen=True)
class FileState:
    inode: int
    size: int


@dataclass(frozen=True)
class Position:
    """Where a reader stands: in which file (by inode), after how many bytes."""

    inode: int
    offset: int


@dataclass(frozen=True)
class Segment:
    """Read `rotated` (`<log>.1`) or the current log from `start` to its end."""

    rotated: bool
    start: int


def reads(position: Position | None, current: FileState | None, rotated: FileState | None) -> list[Segment]:
    """What to read, in order, to see every record once since `position`."""
    if position is None:  # a reader that starts: what the rotated file still holds, then the log
        return ([Segment(True, 0)] if rotated else []) + ([Segment(False, 0)] if current else [])
    if current is not None and current.inode == position.inode:
        if current.size >= position.offset:
            return [Segment(False, position.offset)]
        # Truncated under us (copy-truncate by someone else): the copy holds the rest.
        rest = [Segment(True, position.offset)] if rotated and rotated.size >= position.offset else []
        return [*rest, Segment(False, 0)]
    # Renamed away: its rest is in the rotated file, unless it was rotated twice since.
    rest = [Segment(True, position.offset)] if rotated and rotated.inode == position.inode else []
    if current is None:
        return rest
    if not rest:
        log.warning("the completion log was rotated twice between two reads; records may be missed")
    return [*rest, Segment(False, 0)]


class CompletionLog:
    """The records of one completion log, read as it grows; rotated past `rotate_bytes`."""

    def __init__(
        self,
        path: Path,
        *,
        reconfigure: Callable[[], None],
        rotate_bytes: int = ROTATE_BYTES,
    ) -> None:
        self.path = path
        self.rotated_path = path.with_name(path.name + ".1")
        self._reconfigure = reconfigure
        self.rotate_bytes = rotate_bytes
        self._position: Position | None = None
        self._by_jid: dict[str, Completion] = {}
        self._by_name: dict[str, list[str]] = {}
        self._may_rotate = True

    def report(self, jid: str) -> Report | None:
        found = self._by_jid.get(jid)
        return found.report if found else None

    def named(self, name: str) -> list[str]:
        return [jid for jid in self._by_name.get(name, ()) if jid in self._by_jid]

    def forget(self, jid: str) -> None:
        """The runner recorded how the job ended: its record is needed no more."""
        record = self._by_jid.pop(jid, None)
        if record is not None:
            self._by_name.pop(record.name, None)

    def refresh(self) -> None:
        """Read what was appended since the last look (and rotate a log grown too long)."""
        current, rotated = _state(self.path), _state(self.rotated_path)
        for segment in reads(self._position, current, rotated):
            self._read(self.rotated_path if segment.rotated else self.path, segment.start)
        if self._may_rotate and current is not None and current.size > self.rotate_bytes:
            self._rotate()

    def _read(self, path: Path, start: int) -> None:
        try:
            with path.open("rb") as handle:
                inode = os.fstat(handle.fileno()).st_ino
                handle.seek(start)
                data = handle.read()
        except FileNotFoundError:
            return
        whole = data.rfind(b"\n") + 1  # a record still being written waits for the next read
        self._remember(parse_records(data[:whole].decode(errors="replace")))
        self._position = Position(inode, start + whole)

    def _remember(self, records: Iterable[Completion]) -> None:
        for record in records:
            self._by_jid.pop(record.jid, None)
            self._by_jid[record.jid] = record
            self._by_name.setdefault(record.name, []).append(record.jid)
        while len(self._by_jid) > REMEMBERED:
            oldest = next(iter(self._by_jid.values()))
            del self._by_jid[oldest.jid]
            self._by_name.pop(oldest.name, None)

    def _rotate(self) -> None:
        """One rotation at a time among the readers of this log: whoever holds its lock."""
        with contextlib.ExitStack() as held:
            try:
                handle = held.enter_context(self.path.open("rb"))
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                return  # another reader rotates it, or it just went
            if os.fstat(handle.fileno()).st_ino != (_state(self.path) or FileState(-1, 0)).inode:
                return  # rotated by another reader meanwhile
            os.replace(self.path, self.rotated_path)
            try:
                self._reconfigure()
            except Exception as refused:  # noqa: BLE001 - without the right to, the log just grows
                os.replace(self.rotated_path, self.path)  # slurmctld still writes to this inode
                self._may_rotate = False
                log.warning("cannot rotate the completion log %s (scontrol reconfigure: %s)", self.path, refused)
                return
            log.info("rotated the completion log %s to %s", self.path, self.rotated_path.name)


def _state(path: Path) -> FileState | None:
    try:
        found = path.stat()
    except FileNotFoundError:
        return None
    return FileState(found.st_ino, found.st_size)
