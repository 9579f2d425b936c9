"""The applications units name, each imported only when a unit needs it: a job of shell units
never loads the science stack (the driver starts once per job)."""

from __future__ import annotations

from functools import cache
from typing import Any

from matjobs.applications.base import Application
from matjobs.pseudopotentials import DEBIAN_PSEUDO_DIR

# The folder `matjobs migrate` reads the registry from, and the one units copy its files from.
PSEUDO_DIR = DEBIAN_PSEUDO_DIR


@cache
def application_named(name: str) -> Application | None:
    if name == "shell":
        from matjobs.applications.shell import Shell

        return Shell()
    if name == "espresso":
        from matjobs.applications.espresso import Espresso

        return Espresso(PSEUDO_DIR)
    if name == "python":
        from matjobs.applications.python import Python

        return Python()
    return None


def application_of(unit: dict[str, Any]) -> Application | None:
    return application_named(str((unit.get("application") or {}).get("name") or ""))
