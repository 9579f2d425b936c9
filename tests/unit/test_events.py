"""The change feed's pure parts: which events lie between two versions of a job, pw.x's progress
read from its output in pieces of any size, and handing ids on in order despite commit races."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from matjobs.events.derive import job_events
from matjobs.events.scf import ScfReader
from matjobs.events.sequence import Sequence

OUTPUT = (Path(__file__).parents[1] / "data" / "espresso" / "al_smearing.out").read_text()
EV_PER_RY = 13.605693122994017


def job(status: str, *units: tuple[str, str]) -> dict:
    return {
        "_id": "j1",
        "name": "Al",
        "owner": {"_id": "acc"},
        "status": status,
        "workflow": {
            "subworkflows": [{"_id": "sw", "units": [{"flowchartId": f, "name": f, "status": s} for f, s in units]}]
        },
    }


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (None, job("pre-submission", ("scf", "idle")), [("job.status", "pre-submission", None)]),
        (job("submitted"), job("active"), [("job.status", "active", "submitted")]),
        (job("active", ("scf", "idle")), job("active", ("scf", "active")), [("unit.status", "active", None)]),
        (
            job("active", ("scf", "active"), ("bands", "idle")),
            job("finished", ("scf", "finished"), ("bands", "finished")),
            [
                ("job.status", "finished", "active"),
                ("unit.status", "finished", None),
                ("unit.status", "finished", None),
            ],
        ),
        (job("active", ("scf", "active")), job("active", ("scf", "active")), []),
        (job("finished"), None, [("job.status", "deleted", "finished")]),
    ],
)
def test_the_events_between_two_versions_of_a_job(before: dict | None, after: dict | None, expected: list) -> None:
    events = job_events(before, after, at=5.0)
    assert [(e.type, e.data["status"], e.data.get("previous")) for e in events] == expected
    assert all(e.account_id == "acc" and e.job_id == "j1" and e.data["jobId"] == "j1" for e in events)


def test_each_status_the_job_passed_between_two_writes_is_an_event() -> None:
    before = {**job("queued"), "statusTrack": [{"status": "submitted"}, {"status": "queued"}]}
    track = [*before["statusTrack"], {"status": "active"}, {"status": "finished"}]
    after = {**job("finished"), "statusTrack": track}
    events = job_events(before, after, at=1.0)
    assert [(e.data["previous"], e.data["status"]) for e in events] == [("queued", "active"), ("active", "finished")]


def test_unit_events_name_the_unit_and_its_subworkflow() -> None:
    [event] = job_events(job("active", ("scf", "idle")), job("active", ("scf", "active")), at=1.0)
    assert event.data == {
        "jobId": "j1",
        "subworkflowId": "sw",
        "unitId": "scf",
        "name": "scf",
        "status": "active",
        "at": 1.0,
    }


def test_pw_x_iterations_and_the_converged_step_are_read_from_the_whole_output() -> None:
    found = ScfReader().feed(OUTPUT)
    iterations = [data for kind, data in found if kind == "scf.iteration"]
    [step] = [data for kind, data in found if kind == "ionic.step"]
    assert [i["iteration"] for i in iterations] == [1, 2, 3, 4]
    assert iterations[0]["energy"] == pytest.approx(-4.18547221 * EV_PER_RY)
    assert iterations[0]["accuracy"] == pytest.approx(0.00592831 * EV_PER_RY)
    assert iterations[-1]["accuracy"] == pytest.approx(3.5e-09 * EV_PER_RY)
    assert step == {"step": 1, "energy": pytest.approx(-4.18546972 * EV_PER_RY), "units": "eV"}


def test_the_output_read_in_pieces_of_any_size_gives_the_same_events() -> None:
    whole = ScfReader().feed(OUTPUT)
    rng = random.Random(7)
    reader, pieces, at = ScfReader(), [], 0
    while at < len(OUTPUT):
        size = rng.randint(1, 300)
        pieces.extend(reader.feed(OUTPUT[at : at + size]))
        at += size
    assert pieces == whole


def test_a_figure_pw_x_could_not_print_is_no_event() -> None:
    text = "     iteration #  1\n     total energy = ******** Ry\n     estimated scf accuracy < ******** Ry\n"
    assert ScfReader().feed(text) == []


@pytest.mark.parametrize(
    ("looks", "handed", "last"),
    [
        ([([1, 2, 3], 0.0)], [3], 3),  # in order: all
        ([([1, 3], 0.0)], [1], 1),  # 2 may still be committing: wait
        ([([1, 3], 0.0), ([3], 1.0)], [1, 0], 1),  # still within patience
        ([([1, 3], 0.0), ([3], 2.5)], [1, 1], 3),  # ... but not for ever: its transaction rolled back
        ([([], 0.0)], [0], 0),
    ],
)
def test_ids_are_handed_on_in_order_waiting_a_while_for_gaps(
    looks: list[tuple[list[int], float]], handed: list[int], last: int
) -> None:
    sequence = Sequence(0, patience=2.0)
    assert [sequence.take(ids, now) for ids, now in looks] == handed
    assert sequence.last == last


def test_a_gap_that_fills_in_is_handed_on_in_its_place() -> None:
    sequence = Sequence(0, patience=2.0)
    assert sequence.take([1, 3], 0.0) == 1
    assert sequence.take([2, 3], 1.0) == 2
    assert sequence.last == 3
