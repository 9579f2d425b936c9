"""Trivial jobs through the API to SLURM, against the same number of plain `sbatch --wrap true`.

Both are timed from the first submission to the last job finished. The plain side submits one
`sbatch` after another and then watches `squeue` every 0.1 s until its jobs are gone; the API
side creates and submits through HTTP and watches the API until every job is final.
Run: `.venv/bin/python benchmarks/slurm_jobs.py [--jobs 200]` (also part of `make bench`).
It uses the SLURM named by SLURM_CONF, or starts one with scripts/slurm.sh and stops it after.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from saved import save  # noqa: E402
from through_api import run_jobs  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CLUSTER = {
    "fqdn": "slurm-bench",
    "type": "slurm",
    "default": True,
    "queues": {"D": {"time_limit": "01:00:00", "partition": "debug"}},
}


@contextlib.contextmanager
def slurm() -> Iterator[None]:
    if os.environ.get("SLURM_CONF"):
        yield
        return
    folder = Path(tempfile.mkdtemp(prefix="matjobs-bench-slurm-"))
    subprocess.run([str(ROOT / "scripts" / "slurm.sh"), "start", str(folder)], check=True)
    os.environ["SLURM_CONF"] = str(folder / "slurm.conf")
    try:
        yield
    finally:
        subprocess.run([str(ROOT / "scripts" / "slurm.sh"), "stop", str(folder)], check=False)
        del os.environ["SLURM_CONF"]
        shutil.rmtree(folder, ignore_errors=True)


def plain_sbatch(count: int, folder: Path) -> float:
    start = time.perf_counter()
    jids = []
    for _ in range(count):
        done = subprocess.run(
            ["sbatch", "--parsable", "--output=/dev/null", "--wrap=true"],
            cwd=folder,
            capture_output=True,
            text=True,
            check=True,
        )
        jids.append(done.stdout.strip().split(";")[0])
    listed = ",".join(jids)
    while subprocess.run(["squeue", "--noheader", f"--jobs={listed}"], capture_output=True, text=True).stdout.strip():
        time.sleep(0.1)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=2, help="plain then API, this many times; medians count")
    args = parser.parse_args()
    plains, apis = [], []
    with slurm():
        for _ in range(args.rounds):
            folder = Path(tempfile.mkdtemp(prefix="matjobs-slurm-jobs-"))
            os.chmod(folder, 0o755)  # slurmd writes the jobs' output there
            try:
                plains.append(plain_sbatch(args.jobs, folder))
                apis.append(run_jobs(args.jobs, folder, env={"MATJOBS_CLUSTERS": json.dumps([CLUSTER])}))
            finally:
                shutil.rmtree(folder, ignore_errors=True)
    plain = statistics.median(plains)
    api = statistics.median(run["seconds"] for run in apis)
    ratio = api / plain
    save(
        "slurm-jobs",
        {
            "jobs": args.jobs,
            "plain_sbatch_s": [round(seconds, 3) for seconds in plains],
            "api_end_to_end_s": [round(run["seconds"], 3) for run in apis],
            "api_all_submitted_after_s": [round(run["all_submitted_after_s"], 3) for run in apis],
            "ratio_api_to_plain_of_medians": round(ratio, 3),
            "jobs_not_finished": sum(run["not_finished"] for run in apis),
            "targets": {"ratio_api_to_plain <= 1.2": ratio <= 1.2},
        },
    )


if __name__ == "__main__":
    main()
