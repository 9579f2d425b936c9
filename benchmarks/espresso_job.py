"""matjobs's own time around a Quantum ESPRESSO job: submit to `finished`, minus pw.x's wall time.

The Si total energy job of issue 4 (the default Si at the reference lattice, the Total Energy
workflow, Si.pz-vbc.UPF, 2x2x2 k-points, 20 Ry) on the local cluster, through the HTTP API of
a `matjobs serve` with its runner. The clock starts just before the submit request and stops
when a poll of the job (every 20 ms) first sees `finished`; pw.x's own wall time is read from
the end of its output. Target: at most 1.0 s of overhead.
Run: `.venv/bin/python benchmarks/espresso_job.py [--runs 5]` (also part of `make bench`).
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from saved import save  # noqa: E402
from server import Server  # noqa: E402
from through_api import new_database  # noqa: E402

from matjobs.applications.pw_output import parse_pw_output  # noqa: E402

EDGE = 10.20 / math.sqrt(2) * 0.529177210903  # the reference run's fcc cell, in angstrom
CUTOFFS = [{"name": "cutoffs", "isEdited": True, "data": {"wavefunction": 20, "density": 80}, "extraData": {}}]


def first_id(client: httpx.Client, path: str, query: dict[str, object]) -> str:
    return str(client.get(path, params={"query": json.dumps(query)}).json()["data"][0]["_id"])


def si_job_body(client: httpx.Client) -> dict[str, object]:
    material = first_id(client, "/api/v1/materials", {"isDefault": True})
    workflow = first_id(client, "/api/v1/workflows", {"isDefault": True})
    pseudo = first_id(client, "/api/v1/pseudopotentials", {"filename": "Si.pz-vbc.UPF"})
    client.patch(f"/api/v1/materials/{material}", json={"lattice.a": EDGE, "lattice.b": EDGE, "lattice.c": EDGE})
    client.patch(f"/api/v1/workflows/{workflow}", json={"subworkflows.0.units.0.context": CUTOFFS})
    kpoints = {"value": {"x": 2, "y": 2, "z": 2}, "shift": {"x": 0, "y": 0, "z": 0}}
    method = {"data": {"pseudo": [{"_id": pseudo}]}, "precision": {"kpoints": kpoints}}
    return {"name": "Si", "_material": {"_id": material}, "workflow": {"_id": workflow}, "model": {"method": method}}


def one_run(client: httpx.Client, body: dict[str, object], folder: Path) -> dict[str, float]:
    job_id = client.post("/api/v1/jobs", json=body).json()["data"]["_id"]
    start = time.perf_counter()
    client.post(f"/api/v1/jobs/{job_id}?submit=true").raise_for_status()
    while (status := client.get(f"/api/v1/jobs/{job_id}").json()["data"]["status"]) not in ("finished", "error"):
        time.sleep(0.02)
    elapsed = time.perf_counter() - start
    if status != "finished":
        raise RuntimeError(f"job {job_id} ended in {status}")
    wall = parse_pw_output((folder / "jobs" / job_id / "pw_scf.out").read_text()).wall_time_s
    assert wall is not None
    return {"submit_to_finished_s": elapsed, "pw_x_wall_s": wall, "overhead_s": elapsed - wall}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="matjobs-espresso-"))
    try:
        url, headers = new_database(folder)
        with (
            Server(url, 1, folder / "server.log", env={"MATJOBS_DATA_DIR": str(folder)}) as server,
            httpx.Client(base_url=server.base, headers=headers, timeout=60) as client,
        ):
            body = si_job_body(client)
            runs = [one_run(client, body, folder) for _ in range(args.runs)]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    overhead = statistics.median(run["overhead_s"] for run in runs)
    save(
        "espresso-job",
        {
            "runs": [{key: round(value, 3) for key, value in run.items()} for run in runs],
            "median_overhead_s": round(overhead, 3),
            "targets": {"median_overhead_s <= 1.0": overhead <= 1.0},
        },
    )


if __name__ == "__main__":
    main()
