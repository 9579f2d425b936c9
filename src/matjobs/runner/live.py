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
class _Followed:
    readers: dict[str, ScfReader] = field(default_factory=dict)
    offsets: dict[str, int] = field(default_factory=dict)
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
            offset = followed.offsets.get(entry.name, 0)
            if size <= offset:
                continue
            try:
                with open(entry.path, "rb") as output:
                    output.seek(offset)
                    chunk = output.read(READ_AT_MOST)
            except OSError:
                continue
            followed.offsets[entry.name] = offset + len(chunk)
            reader = followed.readers.setdefault(entry.name, ScfReader())
            at = now_epoch()
            for kind, data in reader.feed(chunk.decode("utf-8", errors="replace")):
                payload = {"jobId": job_id, "unitId": followed.unit_id, "file": entry.name, **data, "at": at}
                found.append(Event(kind, account_id, job_id, payload, at))
        return found

    def forget(self, job_id: str) -> None:
        self._jobs.pop(job_id, None)
