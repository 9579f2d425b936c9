"""The shell application: a unit whose input is a script, run by the interpreter its shebang names."""

from __future__ import annotations

from pathlib import Path

from matjobs.applications.base import Collected, RunContext, Unit, require

INTERPRETERS = {
    "/bin/bash": "bash",
    "/bin/sh": "sh",
    "/bin/csh": "csh",
    "/bin/tcsh": "tcsh",
    "/bin/zsh": "zsh",
    "/bin/tclsh": "tclsh",
    "/usr/bin/env bash": "bash",
}


class Shell:
    name = "shell"

    def prepare(self, unit: Unit, workdir: Path, context: RunContext) -> list[str]:
        inputs = unit.get("input") or []
        require(bool(inputs), f"unit {unit.get('name')!r}: a shell unit needs a script in its input")
        script = inputs[0]
        template = script.get("template") or {}
        content = script.get("rendered") or template.get("content") or script.get("content")
        name = template.get("name") or script.get("name") or "script.sh"
        require(isinstance(content, str) and bool(content), f"unit {unit.get('name')!r}: the script is empty")
        require("/" not in name and name not in ("", ".", ".."), f"unit {unit.get('name')!r}: bad file name {name!r}")
        (workdir / name).write_text(content)
        first = content.splitlines()[0] if content.startswith("#!") else ""
        interpreter = INTERPRETERS.get(first[2:].strip(), "bash")
        return [interpreter, name]

    def executables(self, unit: Unit, context: RunContext) -> tuple[str, ...]:
        """The interpreters are the machine's own shells: nothing to check ahead."""
        return ()

    def collect(self, unit: Unit, workdir: Path) -> Collected:
        """A script's results are its files; it has no properties to extract."""
        return Collected()
