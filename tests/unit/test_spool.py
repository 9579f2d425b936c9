"""The local cluster's spool: what a restarted runner can rely on after the previous one died."""

from __future__ import annotations

import subprocess
from pathlib import Path

from matjobs.applications.base import job_script
from matjobs.clusters.base import RunSpec
from matjobs.clusters.spool import Spool, process_alive, read_status, wrapper_command
from tests.helpers import wait_until


def spec(workdir: Path, *command: str) -> RunSpec:
    return RunSpec(
        key="J1", name="x", workdir=workdir, command=list(command), queue="D", nodes=1, ppn=1, time_limit_s=60
    )


def test_a_received_job_is_found_again_waiting(tmp_path: Path) -> None:
    Spool(tmp_path / "spool").receive("a1", spec(tmp_path, "true"))
    [entry] = list(Spool(tmp_path / "spool").load())
    assert (entry.jid, entry.spec, entry.started, entry.marks) == ("a1", spec(tmp_path, "true"), None, frozenset())


def test_a_start_announced_but_not_made_is_settled_and_its_process_can_never_run(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    job = spec(tmp_path, "touch", "ran")
    spool.receive("a1", job)
    gate = spool.announce_start("a1", "token1")
    # The runner died here, before spawning. The next one takes the gate first:
    [entry] = list(Spool(tmp_path / "spool").load())
    assert entry.started is None
    # A process spawned late by the dead runner finds the gate taken and runs nothing.
    late = subprocess.run(wrapper_command(gate, spool.status_file("a1"), job))
    assert late.returncode == 0 and not (tmp_path / "ran").exists()


def test_a_started_process_is_adopted_and_its_exit_status_read_after_it_ends(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    job = spec(tmp_path, "sh", "-c", "sleep 0.5; exit 3")
    spool.receive("a1", job)
    gate = spool.announce_start("a1", "token1")
    process = subprocess.Popen(wrapper_command(gate, spool.status_file("a1"), job), start_new_session=True)
    wait_until(lambda: gate.exists() and gate.read_text().strip(), seconds=10, what="the wrapper never took the gate")
    [entry] = list(Spool(tmp_path / "spool").load())
    assert entry.started is not None and entry.started.pid == process.pid
    assert process_alive(entry.started)
    process.wait()
    assert not process_alive(entry.started)
    assert read_status(spool.status_file("a1")) == 3


def test_forgetting_a_job_leaves_nothing_behind(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "spool")
    job = spec(tmp_path, "true")
    spool.receive("a1", job)
    gate = spool.announce_start("a1", "token1")
    subprocess.run(wrapper_command(gate, spool.status_file("a1"), job), check=True)
    spool.mark("a1", "cancel")
    spool.forget("a1")
    assert list((tmp_path / "spool").iterdir()) == []


def test_the_job_script_stops_at_the_first_failure_and_execs_the_last_unit() -> None:
    script = job_script([["bash", "a.sh"], ["bash", "b c.sh"]])
    assert script.splitlines() == ["#!/bin/bash", "set -e", "bash a.sh", "exec bash 'b c.sh'"]
