"""The new lines of a job's unit outputs (`*.out` in its folder), for one job's listeners: the
last lines at first, then what each output grew by. Only regular files directly in the job's
folder are read: a link the job made cannot lead a listener out of it."""

from __future__ import annotations

import os
from pathlib import Path

OUTPUT_SUFFIX = ".out"
FIRST_LOOK_BYTES = 8192  # the tail a listener sees at once
READ_AT_MOST = 256 * 1024  # per file and look


def unit_outputs(folder: Path) -> list[tuple[str, str, int]]:
    """(name, path, size) of the regular `*.out` files directly in `folder`, by name."""
    found: list[tuple[str, str, int]] = []
    try:
        entries = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return found
    for entry in entries:
        if not entry.name.endswith(OUTPUT_SUFFIX):
            continue
        try:
            if entry.is_file(follow_symlinks=False):
                found.append((entry.name, entry.path, entry.stat(follow_symlinks=False).st_size))
        except OSError:
            continue
    return found


def read_from(path: str, offset: int, limit: int) -> bytes | None:
    """Up to `limit` bytes from `offset`; None if the file is gone, or has become a link."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as output:
            output.seek(offset)
            return output.read(limit)
    except OSError:
        return None


class OutputTail:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._offsets: dict[str, int] = {}
        self._partial: dict[str, str] = {}

    def new_lines(self) -> dict[str, list[str]]:
        """By file name, the complete lines written since the last look."""
        found: dict[str, list[str]] = {}
        for name, path, size in unit_outputs(self.folder):
            first_look = name not in self._offsets
            offset = max(0, size - FIRST_LOOK_BYTES) if first_look else self._offsets[name]
            if size < offset:  # rewritten from the start
                offset, self._partial[name] = 0, ""
            if size == offset:
                self._offsets[name] = offset
                continue
            chunk = read_from(path, offset, READ_AT_MOST)
            if chunk is None:
                continue
            self._offsets[name] = offset + len(chunk)
            text = self._partial.get(name, "") + chunk.decode("utf-8", errors="replace")
            if first_look and offset > 0:
                text = text.partition("\n")[2]  # the first line read is cut
            whole, _, self._partial[name] = text.rpartition("\n")
            if whole:
                found[name] = whole.split("\n")
        return found
