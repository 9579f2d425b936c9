"""The new lines of a job's unit outputs (`*.out` in its folder), for one job's listeners: the
last lines at first, then what each output grew by. Only regular files directly in the job's
folder are read: a link the job made cannot lead a listener out of it."""

from __future__ import annotations

import os
from pathlib import Path

OUTPUT_SUFFIX = ".out"
FIRST_LOOK_BYTES = 8192  # the tail a listener sees at once
READ_AT_MOST = 256 * 1024  # per file and look


class OutputTail:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._offsets: dict[str, int] = {}
        self._partial: dict[str, str] = {}

    def new_lines(self) -> dict[str, list[str]]:
        """By file name, the complete lines written since the last look."""
        found: dict[str, list[str]] = {}
        try:
            entries = sorted(os.scandir(self.folder), key=lambda entry: entry.name)
        except OSError:
            return found
        for entry in entries:
            if not entry.name.endswith(OUTPUT_SUFFIX):
                continue
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                size = entry.stat(follow_symlinks=False).st_size
            except OSError:
                continue
            first_look = entry.name not in self._offsets
            offset = max(0, size - FIRST_LOOK_BYTES) if first_look else self._offsets[entry.name]
            if size < offset:  # rewritten from the start
                offset, self._partial[entry.name] = 0, ""
            if size == offset:
                self._offsets[entry.name] = offset
                continue
            try:
                fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW)
                with os.fdopen(fd, "rb") as output:
                    output.seek(offset)
                    chunk = output.read(READ_AT_MOST)
            except OSError:
                continue
            self._offsets[entry.name] = offset + len(chunk)
            text = self._partial.get(entry.name, "") + chunk.decode("utf-8", errors="replace")
            if first_look and offset > 0:
                text = text.partition("\n")[2]  # the first line read is cut
            whole, _, self._partial[entry.name] = text.rpartition("\n")
            if whole:
                found[entry.name] = whole.split("\n")
        return found
