"""Trivial jobs end to end on the embedded local cluster, against a plain loop of the same command.

N jobs (one shell unit running `true`) are created and submitted through the HTTP API of a
`matjobs serve` with its runner; the clock stops when the last one is final. The baseline runs
`bash job.sh` (the same script) N times as subprocesses, one after another, in the same run.
Run: `.venv/bin/python benchmarks/local_jobs.py [--jobs 1000]` (also part of `make bench`).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from saved import save  # noqa: E402
from through_api import SCRIPT, run_jobs  # noqa: E402


def baseline(count: int, folder: Path) -> float:
    (folder / "job.sh").write_text(SCRIPT)
    start = time.perf_counter()
    for _ in range(count):
        subprocess.run(["bash", "job.sh"], cwd=folder, check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="matjobs-local-jobs-"))
    try:
        plain = baseline(args.jobs, folder)
        api = run_jobs(args.jobs, folder, env={})
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    rate = args.jobs / api["seconds"]
    save(
        "local-jobs",
        {
            "jobs": args.jobs,
            "plain_loop_s": round(plain, 3),
            "plain_loop_per_s": round(args.jobs / plain, 1),
            "api_end_to_end_s": round(api["seconds"], 3),
            "api_all_submitted_after_s": round(api["all_submitted_after_s"], 3),
            "api_jobs_per_s": round(rate, 1),
            "ratio_to_plain": round(plain / api["seconds"], 3),
            "jobs_not_finished": api["not_finished"],
            "targets": {"api_jobs_per_s >= 100": rate >= 100, "ratio_to_plain >= 0.25": plain / api["seconds"] >= 0.25},
        },
    )


if __name__ == "__main__":
    main()
