"""The flowchart driver in a job's folder, with fakes for the applications and their programs (no
process runs): what it leaves for the runner after each step, each pass's results, where a failure
stops it, and its exit status."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from matjobs.applications.base import Collected, RunContext
from matjobs.drive.driver import drive, run_in
from matjobs.drive.folder import read_results, read_state, state_path
from matjobs.drive.plan import write_plan
from tests.unit.test_flowchart import flowchart, unit


class FakeEnergyApplication:
    """A fake application: its 'program' is a Python function; its results, a total energy that
    falls with each pass as a converging calculation's would."""

    name = "fake"

    def __init__(self) -> None:
        self.prepared: list[dict[str, Any]] = []

    def prepare(self, unit: dict[str, Any], workdir: Path, context: RunContext) -> list[str]:
        self.prepared.append(dict(context.scope))
        return ["fake", str(unit["flowchartId"])]

    def collect(self, unit: dict[str, Any], workdir: Path) -> Collected:
        passes = len(self.prepared)
        return Collected(({"name": "total_energy", "value": -10.0 - 1.0 / passes, "units": "eV"},))

    def executables(self, unit: dict[str, Any], context: RunContext) -> tuple[str, ...]:
        return ()


def planned(tmp_path: Path, workflow: dict[str, Any]) -> Path:
    write_plan(tmp_path, workflow, RunContext(), "local")
    return tmp_path


CONVERGING = flowchart(
    unit("init", "assignment", operand="PREV", value=0, head=True, next="pw"),
    unit("pw", "execution", next="check"),
    unit(
        "check",
        "condition",
        statement="abs(total_energy - PREV) < 0.2",
        input=[{"name": "total_energy", "scope": "pw"}],
        then="done",
        maxOccurrences=10,
        **{"else": "keep"},
    ),
    unit(
        "keep",
        "assignment",
        operand="PREV",
        value="total_energy",
        input=[{"name": "total_energy", "scope": "pw"}],
        next="pw",
    ),
    unit("done", "assignment", operand="CONVERGED", value=True),
)


def test_a_loop_runs_its_unit_until_converged_keeping_every_pass_s_results(tmp_path: Path) -> None:
    fake = FakeEnergyApplication()
    status = drive(planned(tmp_path, CONVERGING), run=lambda command, where: 0, applications=lambda _: fake)
    assert status == 0
    # -11, -10.5, -10.33: the third pass is within 0.2 of the second.
    assert [results.repetition for results in read_results(tmp_path)] == [0, 1, 2]
    assert [results.flowchart_id for results in read_results(tmp_path)] == ["pw", "pw", "pw"]
    assert [scope["PREV"] for scope in fake.prepared] == [0, -11.0, -10.5]  # what each pass's template saw
    state = read_state(tmp_path)
    assert state is not None and state["outcome"] == "finished" and state["global_scope"]["CONVERGED"] is True


def test_a_program_that_fails_stops_the_flowchart_with_its_exit_status_and_keeps_what_came_before(
    tmp_path: Path,
) -> None:
    fake = FakeEnergyApplication()
    statuses = iter([0, 7])
    status = drive(
        planned(tmp_path, CONVERGING), run=lambda command, where: next(statuses), applications=lambda _: fake
    )
    assert status == 7
    assert [results.repetition for results in read_results(tmp_path)] == [0]
    state = read_state(tmp_path)
    assert state is not None and state["outcome"] == "error"
    assert state["message"] == "unit 'pw': its program ended with exit code 7"
    assert state["statuses"]["sw0/pw"] == "error" and state["statuses"]["sw0/check"] == "finished"


def test_the_state_is_on_disk_while_a_unit_runs(tmp_path: Path) -> None:
    seen: list[dict[str, Any] | None] = []

    def program(command: list[str], workdir: Path) -> int:
        seen.append(read_state(workdir))
        return 0

    drive(
        planned(tmp_path, flowchart(unit("pw", "execution"))),
        run=program,
        applications=lambda _: FakeEnergyApplication(),
    )
    [during] = seen
    assert during is not None and during["statuses"]["sw0/pw"] == "active" and during["pending"] is True
    assert not state_path(tmp_path).with_name("flowchart.json.partial").exists()


def test_a_unit_of_an_application_it_does_not_know_ends_the_flowchart_saying_so(tmp_path: Path) -> None:
    workflow = flowchart(unit("gw", "execution", application={"name": "yambo"}))
    assert drive(planned(tmp_path, workflow), run=lambda command, where: 0) == 1
    state = read_state(tmp_path)
    assert state is not None and state["message"] == "unit 'gw': application 'yambo' is not supported"


def test_a_reader_that_breaks_ends_the_flowchart_in_error_not_the_driver(tmp_path: Path) -> None:
    class FakeBrokenReader(FakeEnergyApplication):
        def collect(self, unit: dict[str, Any], workdir: Path) -> Collected:
            raise ValueError("zip() argument 2 is longer than argument 1")

    workflow = flowchart(unit("pw", "execution"))
    assert (
        drive(planned(tmp_path, workflow), run=lambda command, where: 0, applications=lambda _: FakeBrokenReader()) == 1
    )
    state = read_state(tmp_path)
    assert state is not None
    assert state["message"] == (
        "unit 'pw': matjobs could not read its results (ValueError: zip() argument 2 is longer than argument 1); "
        "the files are kept"
    )


def test_a_program_starts_as_an_isolated_open_mpi_singleton_unless_the_job_says_otherwise(
    tmp_path: Path, monkeypatch: Any
) -> None:
    show = ["sh", "-c", 'echo "$OMPI_MCA_ess_singleton_isolated" >> seen']
    monkeypatch.delenv("OMPI_MCA_ess_singleton_isolated", raising=False)
    assert run_in(show, tmp_path) == 0
    monkeypatch.setenv("OMPI_MCA_ess_singleton_isolated", "0")
    assert run_in(show, tmp_path) == 0
    assert (tmp_path / "seen").read_text().split() == ["1", "0"]
