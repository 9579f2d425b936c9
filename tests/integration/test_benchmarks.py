"""Every benchmark script runs once at a tiny size, so that a change that breaks one fails CI.

The real sizes run in `make bench`; these runs prove only that each script still works end to
end and writes its figures. They keep their databases and results in the test's own folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import require, require_pw_x

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def run_benchmark(script: str, *options: str, tmp_path: Path) -> dict:
    """Run one benchmark script; the figures it saved (its only results file)."""
    results = tmp_path / "results"
    env = {**os.environ, "MATJOBS_BENCH_RESULTS": str(results), "MATJOBS_BENCH_WORK": str(tmp_path / "work")}
    done = subprocess.run(
        [sys.executable, str(BENCHMARKS / script), *options],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"{script} failed ({done.returncode}):\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    saved = sorted(path for path in results.glob("*.json") if path.name != "latest.json")
    assert len(saved) == 1, f"{script} saved {[path.name for path in saved]}"
    return json.loads(saved[0].read_text())


def test_the_server_benchmark_loads_a_dataset_and_drives_every_scenario(tmp_path: Path) -> None:
    require(shutil.which("wrk") is not None, "wrk (scripts/ensure-command.sh wrk)")
    figures = run_benchmark(
        "run.py",
        *("--jobs", "1000", "--duration", "1", "--warmup", "0", "--connections", "4", "--scan-requests", "1"),
        tmp_path=tmp_path,
    )
    assert figures["settings"]["jobs"] == 1000
    scenarios = {scenario["name"]: scenario for scenario in figures["scenarios"]}
    expected = {"health", "get_by_id", "get_by_id_dated", "list_finished", "selector_common", "selector_rare"}
    assert set(scenarios) == expected
    assert all(scenario["rps"] > 0 for scenario in scenarios.values())
    assert {target["target"] for target in figures["targets"]}


def test_the_local_jobs_benchmark_finishes_every_job(tmp_path: Path) -> None:
    figures = run_benchmark("local_jobs.py", "--jobs", "20", tmp_path=tmp_path)
    assert figures["jobs"] == 20
    assert figures["jobs_not_finished"] == figures["unsandboxed_jobs_not_finished"] == 0
    assert figures["api_jobs_per_s"] > 0 and figures["unsandboxed_api_jobs_per_s"] > 0
    assert figures["sandboxed_to_unsandboxed"] == pytest.approx(
        figures["api_jobs_per_s"] / figures["unsandboxed_api_jobs_per_s"], rel=0.01
    )


def test_the_slurm_jobs_benchmark_finishes_every_job(tmp_path: Path, slurm: Path | None) -> None:
    if slurm is None:
        pytest.skip("SLURM is not available on this machine (CI requires it)")
    figures = run_benchmark("slurm_jobs.py", "--jobs", "4", "--rounds", "1", tmp_path=tmp_path)
    assert figures["jobs"] == 4
    assert figures["jobs_not_finished"] == 0
    assert len(figures["plain_sbatch_s"]) == len(figures["api_end_to_end_s"]) == 1


def test_the_espresso_benchmark_times_one_real_pw_x_run(tmp_path: Path) -> None:
    require_pw_x()
    figures = run_benchmark("espresso_job.py", "--runs", "1", tmp_path=tmp_path)
    [run] = figures["runs"]
    assert run["pw_x_wall_s"] > 0
    assert run["submit_to_finished_s"] >= run["pw_x_wall_s"]


def test_the_flowchart_benchmark_counts_the_non_execution_units_and_times_the_driver(tmp_path: Path) -> None:
    # Band Structure + DOS is left out: minutes of pw.x; the Si job above proves the QE path.
    figures = run_benchmark(
        "flowchart.py", "--runs", "1", "--startups", "1", "--parts", "units,startup", tmp_path=tmp_path
    )
    assert figures["non_execution_units"]["non_execution_units_run"] == 20
    assert figures["driver_startup"]["median_driver_ms"] > figures["driver_startup"]["median_python_bare_ms"]


def test_the_login_flood_benchmark_patches_during_a_flood(tmp_path: Path) -> None:
    figures = run_benchmark("login_flood.py", "--duration", "1", "--clients", "2", tmp_path=tmp_path)
    assert figures["patch_alone"]["requests"] > 0
    assert figures["patch_during_flood"]["requests"] > 0
    assert figures["logins_answered"]  # the flood reached the server
    assert figures["peak_rss_mb"] >= figures["idle_rss_mb"] > 0


def test_the_query_budget_benchmark_answers_over_budget_queries_with_400(tmp_path: Path) -> None:
    figures = run_benchmark(
        "query_budget.py",
        *("--jobs", "200", "--duration", "1", "--repeat", "1", "--budget-ms", "100"),
        tmp_path=tmp_path,
    )
    assert figures["over_budget_query_to_400"]["requests"] == 1
    assert set(figures["over_budget_answers_under_load"]) == {"400"}
    assert figures["health_idle"]["requests"] > 0 and figures["health_under_over_budget_queries"]["requests"] > 0


def test_the_takeover_benchmark_times_one_kill(tmp_path: Path) -> None:
    figures = run_benchmark("takeover.py", "--kills", "1", "--jobs", "2", "--lease", "2", tmp_path=tmp_path)
    [kill] = figures["rounds"]
    assert figures["jobs_not_finished"] == 0
    assert 0 < kill["kill_to_takeover_s"] <= kill["kill_to_all_ended_s"]


def test_the_events_benchmark_sees_every_status_and_scf_iteration(tmp_path: Path) -> None:
    require(shutil.which("wrk") is not None, "wrk (scripts/ensure-command.sh wrk)")
    require_pw_x()
    figures = run_benchmark(
        "events.py",
        *("--jobs", "4", "--listeners", "2", "--seconds", "1", "--sleep", "0.5", "--scf-kpoints", "2"),
        tmp_path=tmp_path,
    )
    assert figures["status_events"] >= 2 * 4 * 4  # two legs with listeners: created, submitted, active, finished
    assert figures["scf_latency_ms"]["local"]["iterations"] >= 3
    assert figures["server_cpu_s"]["without"] > 0 and figures["idle_listeners"]["ratio"] > 0


def test_the_web_jobs_page_benchmark_times_first_renders_in_chromium(tmp_path: Path) -> None:
    require(shutil.which("chromium") is not None, "chromium (scripts/ensure-command.sh chromium)")
    figures = run_benchmark("web_jobs_page.py", "--jobs", "30", "--runs", "1", tmp_path=tmp_path)
    assert figures["jobs"] == 30
    for kind in ("cold", "warm"):
        [load] = figures[kind]["loads"]
        assert load["first_render_ms"] > 0 and load["list_call_ms"] > 0
