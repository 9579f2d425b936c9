"""What running jobs' programs print, read as it grows: pw.x's SCF iterations and ionic steps
become events while the job runs, from the outputs in the job's folder (a cluster's nodes share
it), never by asking the cluster."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from matjobs.events.kinds import Event
from matjobs.events.scf import ScfReader
from matjobs.ids import now_epoch

OUTPUT_SUFFIX = ".out"  # the platform's convention for a unit's output: pw_scf.in -> pw_scf.out
READ_AT_MOST = 1 << 20  # per file and round: a runaway output cannot stall the runner


@dataclass
class _Output:
    reader: ScfReader
    unit_id: str | None  # the unit running when the file was first seen: the one writing it
    offset: int = 0


@dataclass
class _Followed:
    outputs: dict[str, _Output] = field(default_factory=dict)
    unit_id: str | None = None


class LiveOutput:
    def __init__(self) -> None:
        self._jobs: dict[str, _Followed] = {}

    def running_unit(self, job_id: str, unit_id: str | None) -> None:
        """The execution unit the job's driver runs now, which the next lines belong to."""
        self._jobs.setdefault(job_id, _Followed()).unit_id = unit_id

    def read(self, job_id: str, account_id: str, workdir: Path) -> list[Event]:
        """The events in what the job's outputs printed since the last look."""
        followed = self._jobs.setdefault(job_id, _Followed())
        found: list[Event] = []
        try:
            entries = [entry for entry in os.scandir(workdir) if entry.name.endswith(OUTPUT_SUFFIX)]
        except OSError:
            return found
        for entry in entries:
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                size = entry.stat(follow_symlinks=False).st_size
            except OSError:
                continue
            output = followed.outputs.get(entry.name)
            if output is None or size < output.offset:  # new, or written anew by a unit run again
                output = followed.outputs[entry.name] = _Output(ScfReader(), followed.unit_id)
            if size == output.offset:
                continue
            try:
                with open(entry.path, "rb") as opened:
                    opened.seek(output.offset)
                    chunk = opened.read(READ_AT_MOST)
            except OSError:
                continue
            output.offset += len(chunk)
            at = now_epoch()
            for kind, data in output.reader.feed(chunk.decode("utf-8", errors="replace")):
                payload = {"jobId": job_id, "unitId": output.unit_id, "file": entry.name, **data, "at": at}
                found.append(Event(kind, account_id, job_id, payload, at))
        return found

    def forget(self, job_id: str) -> None:
        self._jobs.pop(job_id, None)
