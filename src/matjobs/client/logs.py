"""`jobs logs`: the job's output files through their signed links, and, with -f, what they gain
until the job ends (each read starts where the last one stopped: an HTTP range)."""

from __future__ import annotations

import codecs
import sys
import time
from typing import Any

from matjobs.client.common import fail
from matjobs.client.remote import Server
from matjobs.client.views import FINAL, output_names

FOLLOW_POLL_S = 1.0


class Printer:
    """Prints each file's new text once, under a header line when files take turns."""

    def __init__(self, api: Server, headers: bool) -> None:
        self.api = api
        self.headers = headers
        self.offsets: dict[str, int] = {}
        self.decoders: dict[str, codecs.IncrementalDecoder] = {}
        self.last: str | None = None

    def printed_any(self) -> bool:
        return any(self.offsets.values())

    def take(self, name: str, entry: dict[str, Any]) -> None:
        offset = self.offsets.get(name, 0)
        if entry.get("size") == offset:
            return
        data = self.api.read_file(str(entry["signedUrl"]), offset)
        self.offsets[name] = offset + len(data)
        # A read may end inside a character; its decoder keeps the rest for the next read.
        text = self.decoders.setdefault(name, codecs.getincrementaldecoder("utf-8")("replace")).decode(data)
        if not text:
            return
        if self.headers and self.last != name:
            sys.stdout.write(f"==> {name} <==\n")
            self.last = name
        sys.stdout.write(text)
        sys.stdout.flush()


def show_logs(api: Server, job_id: str, names: list[str] | None, *, follow: bool) -> None:
    printer = Printer(api, headers=follow or names is None or len(names) > 1)
    while True:
        job = api.job(job_id)
        ended = job.get("status") in FINAL  # read before the files: their last text is then in them
        entries = {str(entry.get("key")): entry for entry in api.files(job_id)}
        if names and not follow and (unknown := [name for name in names if name not in entries]):
            fail(f"job {job_id} has no file {unknown[0]!r} (see `matjobs jobs files {job_id}`)")
        for name in names or output_names(job, entries):
            if name in entries:
                printer.take(name, entries[name])
        if not follow or ended:
            break
        time.sleep(FOLLOW_POLL_S)
    if not printer.printed_any():
        print(f"job {job_id} has no output yet ({job.get('status')})", file=sys.stderr)
