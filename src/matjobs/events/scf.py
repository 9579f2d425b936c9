"""pw.x's progress as it prints it: each SCF iteration (energy, estimated accuracy) and each
converged ionic step, read from the growing output in pieces of any size."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from matjobs.applications.pw_output import RY_TO_EV
from matjobs.events.kinds import IONIC_STEP, SCF_ITERATION

ITERATION = re.compile(r"^\s*iteration #\s*(\d+)")
ENERGY = re.compile(r"^\s*total energy\s*=\s*(\S+)\s*Ry")
CONVERGED = re.compile(r"^!\s*total energy\s*=\s*(\S+)\s*Ry")
ACCURACY = re.compile(r"^\s*estimated scf accuracy\s*<\s*(\S+)\s*Ry")


@dataclass
class ScfReader:
    """One output file's reader: feed it what the file grew by; it keeps the partial last line."""

    partial: str = ""
    iteration: int = 0
    energy: float | None = None
    steps: int = 0
    lines: list[str] = field(default_factory=list)

    def feed(self, text: str) -> list[tuple[str, dict[str, Any]]]:
        """The (event type, data) that the new complete lines hold; their text in `lines`."""
        whole, _, self.partial = (self.partial + text).rpartition("\n")
        self.lines = whole.split("\n") if whole else []
        found: list[tuple[str, dict[str, Any]]] = []
        for line in self.lines:
            found.extend(self._read(line))
        return found

    def _read(self, line: str) -> list[tuple[str, dict[str, Any]]]:
        if match := ITERATION.match(line):
            self.iteration, self.energy = int(match.group(1)), None
        elif match := CONVERGED.match(line):
            self.energy = _ev(match.group(1))
            if self.energy is not None:
                self.steps += 1
                return [(IONIC_STEP, {"step": self.steps, "energy": self.energy, "units": "eV"})]
        elif match := ENERGY.match(line):
            self.energy = _ev(match.group(1))
        elif (match := ACCURACY.match(line)) and self.iteration:
            accuracy = _ev(match.group(1))
            if accuracy is not None:
                data = {"iteration": self.iteration, "energy": self.energy, "accuracy": accuracy, "units": "eV"}
                return [(SCF_ITERATION, data)]
        return []


def _ev(text: str) -> float | None:
    try:
        return float(text) * RY_TO_EV
    except ValueError:  # pw.x prints ******** for a figure too wide for its field
        return None
