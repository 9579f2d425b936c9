"""`python -m matjobs.drive [FOLDER]`: what a job's script runs (FOLDER: the job's, by default
the current one)."""

from __future__ import annotations

import sys
from pathlib import Path

from matjobs.drive.driver import drive


def main(argv: list[str]) -> int:
    return drive(Path(argv[1] if len(argv) > 1 else ".").resolve())


if __name__ == "__main__":
    sys.exit(main(sys.argv))
