"""The python application: a unit's files (its script, a requirements.txt, helpers) rendered from
their templates, the requirements checked against the node's python3, and the script run by that
python3 in the job's folder, its standard output kept for the units after it.

On the platform a python unit's results are what it prints: the next assignment unit reads them
as `STDOUT` (`json.loads(STDOUT)['minima']`), and files it declares as `file_content` results."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path
from typing import Any

from matjobs.applications import python_requirements
from matjobs.applications.base import Collected, RunContext, Unit, require
from matjobs.applications.espresso_render import render_unit_input

PYTHON = "python3"  # the machine's: the job's sandbox shows /usr, not the project's venv
REQUIREMENTS = "requirements.txt"
FILE_NAME = re.compile(r"^[A-Za-z0-9_.+-]+$")
FILETYPES = frozenset({"image", "text", "csv"})
# What mat3ra-wode's ML context providers give when a unit's context holds no edited entry.
ML_DEFAULTS: dict[str, dict[str, Any]] = {
    "mlSettings": {"target_column_name": "target", "problem_category": "regression"},
    "mlTrainTestSplit": {"fraction_held_as_test_set": 0.2},
}
# The check runs with the node's python3, which cannot import matjobs: its source goes on `-c`.
CHECK_SOURCE = inspect.getsource(python_requirements)
# The check and the script in one command, the unit's values as positional parameters, so that
# nothing of the unit's names is ever parsed by the shell.
CHECKED_RUN = 'python3 -c "$1" "$2" "$3" "$4" "$5" && exec python3 "$6" > "$7"'
UNCHECKED_RUN = 'exec python3 "$1" > "$2"'


class Python:
    name = "python"

    def executables(self, unit: Unit, context: RunContext) -> tuple[str, ...]:
        return (PYTHON,)

    def prepare(self, unit: Unit, workdir: Path, context: RunContext) -> list[str]:
        label = f"unit {unit.get('name')!r}"
        files = input_files(unit)
        require(bool(files), f"{label}: a python unit needs a script in its input")
        variables = render_context(unit, context)
        for name, template in files:
            text = render_unit_input(template, variables, label=f"{label} ({name})", workdir=workdir)
            (workdir / name).write_text(text if text.endswith("\n") else text + "\n")
        script = files[0][0]
        marker = workdir / marker_name(unit)
        marker.unlink(missing_ok=True)  # a run before a restart may have left one
        if REQUIREMENTS not in (name for name, _ in files):
            return ["sh", "-c", UNCHECKED_RUN, "python-unit", script, stdout_name(unit)]
        unit_name = str(unit.get("name") or "")
        arguments = [CHECK_SOURCE, REQUIREMENTS, marker.name, context.cluster, unit_name, script, stdout_name(unit)]
        return ["sh", "-c", CHECKED_RUN, "python-unit", *arguments]

    def collect(self, unit: Unit, workdir: Path) -> Collected:
        """Why the unit could not run, if its requirements were not met; else the files it
        declares as `file_content` results that it wrote."""
        marker = workdir / marker_name(unit)
        if marker.is_file():
            return Collected(problem=marker.read_text(errors="replace").strip())
        # The platform gives the next units a python unit's standard output as `STDOUT`; a JSON
        # {"name", "value", "scope": "global"} printed there sets that name for every later unit.
        stdout = stdout_of(unit, workdir)
        return Collected(
            properties=tuple(file_contents(unit, workdir)), scope={"STDOUT": stdout}, global_scope=global_values(stdout)
        )


def input_files(unit: Unit) -> list[tuple[str, str]]:
    """(file name, template) for each input, the script first, as the platform lists them;
    BadInput for a name that is not a plain file name."""
    files = []
    for entry in unit.get("input") or []:
        template = entry.get("template") or {}
        name = template.get("name") or entry.get("name")
        content = template.get("content") if "content" in template else entry.get("content", "")
        require(
            isinstance(name, str) and bool(FILE_NAME.match(name)) and name not in (".", ".."),
            f"unit {unit.get('name')!r}: bad input file name {name!r}",
        )
        require(isinstance(content, str), f"unit {unit.get('name')!r}: input {name} has no text")
        files.append((str(name), str(content)))
    return files


def render_context(unit: Unit, context: RunContext) -> dict[str, Any]:
    """What a python unit's templates see: the ML settings (the unit's edited entries, else the
    platform's defaults), its other context entries, the material and the subworkflow's assignments."""
    stored = {
        str(entry["name"]): entry.get("data")
        for entry in unit.get("context") or []
        if isinstance(entry, dict) and "name" in entry and entry.get("isEdited", True) is not False
    }
    variables: dict[str, Any] = {name: dict(value) for name, value in ML_DEFAULTS.items()}
    variables.update(stored)
    variables.update(
        {
            "material": context.material,
            "materials": [context.material] if context.material is not None else [],
            "methodData": (context.method or {}).get("data") or {},
            "subworkflowContext": dict(context.assignments),
        }
    )
    return variables


def file_contents(unit: Unit, workdir: Path) -> list[dict[str, Any]]:
    """A `file_content` property for each such result the unit declares and wrote, naming the
    file in the job's folder (the platform names its object storage's copy)."""
    found = []
    for result in unit.get("results") or []:
        basename = result.get("basename") if isinstance(result, dict) else None
        if result.get("name") != "file_content" or not isinstance(basename, str) or not FILE_NAME.match(basename):
            continue
        path = workdir / basename
        if not path.is_file():
            continue
        filetype = result.get("filetype") if result.get("filetype") in FILETYPES else "text"
        found.append(
            {
                "name": "file_content",
                "filetype": filetype,
                "basename": basename,
                "pathname": ".",
                "objectData": {"NAME": basename, "SIZE": path.stat().st_size},
            }
        )
    return found


def stdout_name(unit: Unit) -> str:
    """Where the unit's standard output is kept: what the platform's `STDOUT` holds for the next unit."""
    return f"python-{_file_key(unit)}.out"


def stdout_of(unit: Unit, workdir: Path) -> str:
    try:
        return (workdir / stdout_name(unit)).read_text(errors="replace")
    except OSError:
        return ""


def marker_name(unit: Unit) -> str:
    return f"python-{_file_key(unit)}.unmet"


def _file_key(unit: Unit) -> str:
    """The unit's flowchartId, safe as part of a file name: units of one job write to one folder."""
    key = re.sub(r"[^A-Za-z0-9_.-]", "_", str(unit.get("flowchartId") or unit.get("name") or "unit"))
    return key.strip(".") or "unit"


def global_values(stdout: str) -> dict[str, Any]:
    """What a python unit's output sets in the global scope: `{"name": N, "value": V, "scope":
    "global"}` as the whole of it (the bank's Extract kpoints prints one)."""
    try:
        printed = json.loads(stdout)
    except ValueError:
        return {}
    if isinstance(printed, dict) and printed.get("scope") == "global" and isinstance(printed.get("name"), str):
        return {printed["name"]: printed.get("value")}
    return {}
