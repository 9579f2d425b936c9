"""What `jobs watch` knows of each job, folded from the job's document and then its events (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from matjobs.client.views import FINAL, unit_outputs, units


@dataclass
class Scf:
    """The last SCF iteration seen of one unit, and its energies so far."""

    iteration: int
    energy: float
    accuracy: float | None
    energies: list[float] = field(default_factory=list)


@dataclass
class Watched:
    job_id: str
    name: str
    status: str
    units: dict[str, list[str]]  # flowchartId -> [name, status], in the workflow's order
    scf: dict[str, Scf] = field(default_factory=dict)  # by unit
    ionic: dict[str, tuple[int, float]] = field(default_factory=dict)  # by unit: step, energy
    outputs: dict[str, str] = field(default_factory=dict)  # output file -> the unit that writes it

    @classmethod
    def of(cls, job: dict[str, Any]) -> Watched:
        known = {unit["flowchartId"]: [unit["name"], unit["status"]] for unit in units(job)}
        name, status = str(job.get("name", "")), str(job.get("status", ""))
        return cls(str(job.get("_id", "")), name, status, known, outputs=unit_outputs(job))

    @property
    def final(self) -> bool:
        return self.status in FINAL

    def progress(self) -> tuple[int, int]:
        """(units finished, units in all)."""
        return sum(status == "finished" for _, status in self.units.values()), len(self.units)

    def apply(self, kind: str, data: dict[str, Any]) -> str | None:
        """Take in one event; a line saying what changed, or None if nothing did."""
        # An iteration read from a unit's file after the next unit started is still that unit's.
        unit_id = self.outputs.get(str(data.get("file")), str(data.get("unitId", "")))
        unit_name = self.units.get(unit_id, [unit_id or "?"])[0]
        if kind == "job.status" and isinstance(data.get("status"), str):
            if data["status"] == self.status:
                return None
            self.status = data["status"]
            return f"{self.job_id} {self.name}: {self.status}"
        if kind == "unit.status" and isinstance(data.get("status"), str):
            known = self.units.setdefault(unit_id, [str(data.get("name") or unit_id), ""])
            if known[1] == data["status"]:
                return None
            known[1] = data["status"]
            done, total = self.progress()
            return f"{self.job_id} unit {known[0]}: {known[1]} ({done}/{total} finished)"
        if kind == "scf.iteration" and _number(data.get("energy")):
            previous = self.scf.get(unit_id)
            energies = [*(previous.energies if previous else []), float(data["energy"])]
            accuracy = float(data["accuracy"]) if _number(data.get("accuracy")) else None
            iteration = int(data.get("iteration") or len(energies))
            self.scf[unit_id] = Scf(iteration, float(data["energy"]), accuracy, energies)
            shown = "" if accuracy is None else f", accuracy {accuracy:.3g}"
            return f"{self.job_id} {unit_name} scf #{self.scf[unit_id].iteration}: {data['energy']:.8f} eV{shown}"
        if kind == "ionic.step" and _number(data.get("energy")):
            self.ionic[unit_id] = (int(data.get("step") or 0), float(data["energy"]))
            return f"{self.job_id} {unit_name} ionic step {self.ionic[unit_id][0]}: {data['energy']:.8f} eV"
        return None


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
