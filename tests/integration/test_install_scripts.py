"""Where software cannot be installed (not root), the install scripts say exactly what to install
and fail, so that `make run` prints it and serves all the same."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.helpers import require

ROOT = Path(__file__).resolve().parents[2]
NOBODY = [shutil.which("setpriv") or "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]


def _as_nobody_without_the_tools(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The script run by a user who cannot install, on a PATH where the tool is absent."""
    with tempfile.TemporaryDirectory() as path:
        Path(path).chmod(0o755)  # nobody must read the folder
        Path(path, "id").symlink_to(shutil.which("id") or "/usr/bin/id")
        return subprocess.run(
            [*NOBODY, "/bin/bash", str(ROOT / "scripts" / script), *args],
            capture_output=True,
            text=True,
            env={"PATH": path},
            check=False,
        )


@pytest.fixture(autouse=True)
def _root() -> None:
    require(os.geteuid() == 0 and shutil.which("setpriv") is not None, "root and setpriv, to run as another user")


def test_without_quantum_espresso_the_script_names_the_debian_packages() -> None:
    done = _as_nobody_without_the_tools("ensure-espresso.sh")
    assert done.returncode == 1
    assert "quantum-espresso quantum-espresso-data" in done.stderr


def test_without_bubblewrap_the_script_names_its_package() -> None:
    done = _as_nobody_without_the_tools("ensure-command.sh", "bwrap", "bubblewrap")
    assert done.returncode == 1
    assert done.stderr.strip() == "bwrap is not installed (Debian package bubblewrap)"


def test_make_run_goes_on_to_serve_when_they_fail() -> None:
    """The recipe's install lines may fail; each says what to install, and serving follows."""
    recipe = subprocess.run(["make", "-n", "run"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    lines = recipe.splitlines()
    installs = [line for line in lines if "scripts/ensure-" in line]
    assert len(installs) == 2 and all("|| echo" in line and "install" in line.split("||")[1] for line in installs)
    assert lines.index(installs[-1]) < next(i for i, line in enumerate(lines) if line.endswith("matjobs serve"))
