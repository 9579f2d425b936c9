"""What never imports what (ARCHITECTURE.md): the API knows the store, not the runner, the
clusters or the applications; the pure core knows neither HTTP nor SQL nor processes; the CLI's
client knows the server only through its HTTP API."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "matjobs"
RULES = {
    "api": ("matjobs.runner", "matjobs.clusters.local", "matjobs.clusters.slurm", "matjobs.applications"),
    "runner/takeover.py": ("matjobs.store.engine", "subprocess", "sqlalchemy"),
    "runner/backoff.py": ("matjobs.store", "subprocess", "sqlalchemy", "time"),
    "sandbox/bubblewrap.py": ("matjobs.store", "sqlalchemy", "subprocess", "fastapi"),
    "lifecycle.py": ("matjobs.store", "sqlalchemy", "fastapi"),
    **{
        f"notify/{pure}.py": ("matjobs.store", "sqlalchemy", "fastapi", "smtplib", "http", "urllib.request", "time")
        for pure in ("decide", "message", "sign", "retry", "cursor", "inputs")
    },
    # The CLI is a client like any other: the public API is all it knows of a server.
    "client": (
        "matjobs.store",
        "matjobs.runner",
        "matjobs.api",
        "matjobs.clusters",
        "matjobs.applications",
        "matjobs.jobs",
        "matjobs.entities",
        "matjobs.settings",
        "sqlalchemy",
        "fastapi",
    ),
}


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize(("where", "forbidden"), RULES.items())
def test_a_layer_imports_nothing_below_or_beside_it_that_it_must_not(where: str, forbidden: tuple[str, ...]) -> None:
    root = PACKAGE / where
    files = sorted(root.rglob("*.py")) if root.is_dir() else [root]
    assert files
    found = {
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in files
        for name in imported(path)
        if any(name == banned or name.startswith(banned + ".") for banned in forbidden)
    }
    assert not found
