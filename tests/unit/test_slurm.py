"""SLURM commands built and outputs parsed, on outputs captured from a real SLURM 22.05."""

from __future__ import annotations

import shlex
import socket
import subprocess
from pathlib import Path

import pytest

from matjobs.clusters.base import Report, RunSpec, State
from matjobs.clusters.slurm import (
    SlurmError,
    batch_script,
    find_commands,
    job_name,
    parse_named,
    parse_sacct,
    parse_sbatch,
    parse_squeue,
    sacct_command,
    sbatch_command,
    scancel_command,
)
from matjobs.sandbox import SandboxPolicy

CAPTURED = Path(__file__).parents[1] / "data" / "slurm"


def spec(**changes) -> RunSpec:
    fields = {
        "key": "a1 b2",
        "name": "si scf",
        "workdir": Path("/data/jobs/J"),
        "command": ["bash", "job.sh"],
        "queue": "D",
        "nodes": 2,
        "ppn": 4,
        "time_limit_s": 3601,
    }
    return RunSpec(**{**fields, **changes})


def test_sbatch_maps_nodes_ppn_time_and_partition() -> None:
    command = sbatch_command(spec(), "debug")
    assert command[:2] == ["sbatch", "--parsable"]
    assert {
        "--nodes=2",
        "--ntasks-per-node=4",
        "--time=61",
        "--partition=debug",
        "--chdir=/data/jobs/J",
        "--output=/data/jobs/J/job.out",
        "--error=/data/jobs/J/job.err",
        "--wrap=bash job.sh",
    } <= set(command)
    assert not any(part.startswith("--partition") for part in sbatch_command(spec(), None))
    assert not any(part.startswith("--export") for part in command)  # unsandboxed: SLURM's default, ALL


def test_the_batch_script_runs_the_command_in_the_sandbox_after_checking_the_node_has_it() -> None:
    script = batch_script(spec(), SandboxPolicy(), {"HOME": "/data/jobs/J"}, "hpc")
    check, run = script.split("\n")
    assert check.startswith("command -v bwrap ")
    argv = shlex.split(run)
    assert argv[:2] == ["exec", "bwrap"] and argv[-3:] == ["--", "bash", "job.sh"]
    assert argv[argv.index("--chdir") + 1] == "/data/jobs/J" and "--clearenv" in argv
    sandboxed = sbatch_command(spec(), "debug", script)
    # Nothing of the runner's environment reaches the batch script, bwrap's own process included.
    assert f"--wrap={script}" in sandboxed and "--export=NIL" in sandboxed


def test_a_node_without_the_sandbox_fails_the_job_naming_the_node_and_the_package() -> None:
    script = batch_script(spec(command=["echo", "ran"]), SandboxPolicy(tool="/nonexistent/bwrap"), {}, "hpc")
    done = subprocess.run(["sh", "-c", script], capture_output=True, text=True)
    assert done.returncode == 127 and done.stdout == ""
    assert socket.gethostname() in done.stderr
    assert "install the Debian package bubblewrap" in done.stderr and "sandbox = false for cluster hpc" in done.stderr


def test_sbatch_output() -> None:
    assert parse_sbatch((CAPTURED / "sbatch.txt").read_text()) == "8"
    assert parse_sbatch("12;cluster-a\n") == "12"
    with pytest.raises(SlurmError):
        parse_sbatch("sbatch: error: Batch job submission failed\n")


def test_squeue_output() -> None:
    assert parse_squeue((CAPTURED / "squeue.txt").read_text()) == {"5": State.RUNNING}
    assert parse_squeue("9|PENDING\n10|COMPLETING\n") == {"9": State.QUEUED, "10": State.RUNNING}


def test_sacct_output_gives_final_states_exit_codes_and_signals() -> None:
    reports = parse_sacct((CAPTURED / "sacct.txt").read_text())
    assert reports == {
        "4": Report("4", State.FAILED, exit_code=3),
        "5": Report("5", State.CANCELLED),
        "6": Report("6", State.COMPLETED, exit_code=0),
        "7": Report("7", State.FAILED, signal=9),
    }
    assert parse_sacct("11|CANCELLED by 0|0:15\n12|TIMEOUT|0:0\n13|OUT_OF_MEMORY|0:125\n") == {
        "11": Report("11", State.CANCELLED, signal=15),
        "12": Report("12", State.TIMEOUT),
        "13": Report("13", State.FAILED, signal=125),
    }


def test_jobs_are_named_after_their_matjobs_id_without_the_spaces_sacct_cannot_read() -> None:
    assert "--job-name=matjobs-a1_b2" in sbatch_command(spec(), None)
    assert parse_sacct("10||3:0\n11||0:0\n") == {
        "10": Report("10", State.FAILED, exit_code=3),
        "11": Report("11", State.COMPLETED, exit_code=0),
    }


def test_sacct_and_scancel_commands() -> None:
    assert sacct_command(["4", "5"], completion_log=True)[-1] == "--jobs=4,5"
    assert "--completion" not in sacct_command(["4"], completion_log=False)
    assert scancel_command("4") == ["scancel", "4"]


def test_a_job_is_found_again_by_its_name_in_the_queue_or_the_completion_log() -> None:
    squeue, sacct = find_commands(completion_log=True)
    assert squeue[0] == "squeue" and "--format=%i|%j" in squeue
    assert sacct[:2] == ["sacct", "--completion"] and "--format=JobID,JobName" in sacct
    assert parse_named((CAPTURED / "squeue-names.txt").read_text(), job_name("Q1")) == ["4"]
    finished = (CAPTURED / "sacct-names.txt").read_text()
    assert parse_named(finished, job_name("abcDEF123")) == ["3"]
    assert parse_named(finished, job_name("nothere")) == []
