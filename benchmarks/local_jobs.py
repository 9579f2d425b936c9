"""Trivial jobs end to end on the embedded local cluster, sandboxed and not, against a plain loop.

N jobs (one shell unit running `true`) are created and submitted through the HTTP API of a
`matjobs serve` with its runner; the clock stops when the last one is final. This is done with
every job in its sandbox (bubblewrap, the default) and with `sandbox = false`, on the same local
cluster, each leg with a fresh data folder and database; their ratio is the sandbox's cost.
Each side's N jobs go in two halves, in the order sandboxed, unsandboxed, unsandboxed,
sandboxed, so that a machine whose other load rises or falls during the run favours neither.
The baseline runs `bash job.sh` (the same script) N times as subprocesses, one after another,
in the same run.
Run: `.venv/bin/python benchmarks/local_jobs.py [--jobs 1000]` (also part of `make bench`).
"""

from __future__ import annotations

import argparse
import os
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


def api_run(count: int, folder: Path, *, sandbox: bool, slots: int) -> dict[str, float]:
    """The jobs through the API on a local cluster whose config differs only in `sandbox`."""
    folder.mkdir()
    config = folder / "matjobs.toml"
    flag = "true" if sandbox else "false"
    config.write_text(f'[[clusters]]\nfqdn = "bench"\ntype = "local"\ncores = {slots}\nsandbox = {flag}\n')
    return run_jobs(count, folder, env={"MATJOBS_CONFIG": str(config)})


def both_ways(count: int, folder: Path, slots: int) -> tuple[dict[str, float], dict[str, float]]:
    """`count` jobs sandboxed and `count` unsandboxed, in halves: ABBA. Their sums, each side's."""
    half = count // 2
    legs = [(True, half), (False, half), (False, count - half), (True, count - half)]
    sums: dict[bool, dict[str, float]] = {side: {} for side in (True, False)}
    for index, (sandbox, jobs) in enumerate(legs):
        if jobs:
            leg = api_run(jobs, folder / f"leg-{index}", sandbox=sandbox, slots=slots)
            for key, value in leg.items():
                sums[sandbox][key] = sums[sandbox].get(key, 0) + value
    return sums[True], sums[False]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000)
    # The jobs the cluster runs at once (its `cores`); the machine's cores by default. Trivial
    # jobs hardly use a core: more slots show what the sandbox costs when its waits overlap.
    parser.add_argument("--slots", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="matjobs-local-jobs-"))
    load = os.getloadavg()[0]  # other work on the machine moves these figures: said with them
    try:
        plain = baseline(args.jobs, folder)
        api, open_api = both_ways(args.jobs, folder, args.slots)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    rate, open_rate = args.jobs / api["seconds"], args.jobs / open_api["seconds"]
    slowdown = 1 - rate / open_rate
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
            "cores": os.cpu_count(),
            "slots": args.slots,
            "load_average_before": round(load, 2),
            "unsandboxed_api_end_to_end_s": round(open_api["seconds"], 3),
            "unsandboxed_api_jobs_per_s": round(open_rate, 1),
            "unsandboxed_jobs_not_finished": open_api["not_finished"],
            "sandboxed_to_unsandboxed": round(rate / open_rate, 3),
            "sandbox_slowdown": round(slowdown, 3),
            "targets": {
                "api_jobs_per_s >= 100": rate >= 100,
                "ratio_to_plain >= 0.25": plain / api["seconds"] >= 0.25,
                "sandbox_slowdown <= 0.15": slowdown <= 0.15,
            },
        },
    )


if __name__ == "__main__":
    main()
