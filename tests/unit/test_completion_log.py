"""SLURM's completion log: records parsed from a captured 22.05 log, read as it grows, rotated."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from matjobs.clusters.base import Report, State
from matjobs.clusters.completion_log import (
    CompletionLog,
    FileState,
    Position,
    Segment,
    parse_record,
    parse_records,
    reads,
)
from matjobs.clusters.slurm_finished import FILETXT, SACCT_COMPLETION, SLURMDBD, Source, finished_source, parse_config

CAPTURED = Path(__file__).parents[1] / "data" / "slurm"
RECORDS = (CAPTURED / "jobcomp.log").read_text().splitlines(keepends=True)


def test_records_of_a_real_log_give_each_job_its_name_state_and_exit_code() -> None:
    records = {record.jid: record for record in parse_records("".join(RECORDS))}
    assert len(records) == len(RECORDS)
    assert records["13"].name == "matjobs-W9pmkNjuSPvzKueTQ"
    assert records["13"].report == Report("13", State.FAILED, exit_code=3)
    assert records["14"].report == Report("14", State.CANCELLED)
    assert records["1026"].report == Report("1026", State.COMPLETED, exit_code=0)
    assert records["1027"].name == "wrap"


def test_a_record_is_read_past_a_work_folder_with_spaces_and_a_signal_is_kept() -> None:
    line = "JobId=7 UserId=a(1) Name=matjobs-x JobState=FAILED WorkDir=/a b=c/d DerivedExitCode=0:0 ExitCode=0:9 "
    assert parse_record(line) == parse_record(line.replace("/a b=c/d", "/a"))
    record = parse_record(line)
    assert record is not None and record.report == Report("7", State.FAILED, signal=9)
    assert parse_record("JobId= JobState=") is None
    assert parse_record("half a rec") is None


OLD, NEW = 11, 22


@pytest.mark.parametrize(
    ("position", "current", "rotated", "expected"),
    [
        # A reader that starts reads what the rotated file still holds, then the log.
        (None, FileState(OLD, 10), FileState(9, 50), [Segment(True, 0), Segment(False, 0)]),
        (None, FileState(OLD, 10), None, [Segment(False, 0)]),
        (None, None, None, []),
        # Grown: only what was appended.
        (Position(OLD, 40), FileState(OLD, 90), None, [Segment(False, 40)]),
        (Position(OLD, 90), FileState(OLD, 90), None, [Segment(False, 90)]),
        # Renamed to .1 and reopened: the rest of .1, then the new log from its start.
        (Position(OLD, 40), FileState(NEW, 5), FileState(OLD, 60), [Segment(True, 40), Segment(False, 0)]),
        # Renamed, slurmctld not reopened yet: the rest of .1 only.
        (Position(OLD, 40), None, FileState(OLD, 60), [Segment(True, 40)]),
        # Copy-truncated by someone: the rest of the copy, then the log from its start.
        (Position(OLD, 40), FileState(OLD, 3), FileState(NEW, 70), [Segment(True, 40), Segment(False, 0)]),
        # Rotated twice since the last read: what is left is the new log.
        (Position(OLD, 40), FileState(NEW, 5), FileState(33, 60), [Segment(False, 0)]),
    ],
)
def test_what_a_reader_reads_after_growth_and_rotation(
    position: Position | None, current: FileState | None, rotated: FileState | None, expected: list[Segment]
) -> None:
    assert reads(position, current, rotated) == expected


class FakeSlurmctld:
    """A fake of slurmctld's side of the log: appends records, and on reconfigure opens the
    log's path again, as 22.05 does (checked on the real one; see completion_log.py)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle = path.open("a")
        self.reconfigures = 0

    def write(self, text: str) -> None:
        self.handle.write(text)
        self.handle.flush()

    def reconfigure(self) -> None:
        self.reconfigures += 1
        self.handle.close()
        self.handle = self.path.open("a")


@pytest.fixture
def slurmctld(tmp_path: Path) -> Iterator[FakeSlurmctld]:
    fake = FakeSlurmctld(tmp_path / "jobcomp.log")
    yield fake
    fake.handle.close()


def test_a_reader_sees_each_record_once_across_partial_writes_and_rotations(
    tmp_path: Path, slurmctld: FakeSlurmctld
) -> None:
    path = slurmctld.path
    reader = CompletionLog(path, reconfigure=slurmctld.reconfigure, rotate_bytes=len(RECORDS[0]) * 3)
    slurmctld.write(RECORDS[0] + RECORDS[1][:30])  # the second record is being written
    reader.refresh()
    assert reader.report("13") is not None and reader.report("14") is None
    slurmctld.write(RECORDS[1][30:] + RECORDS[2] + RECORDS[3])
    reader.refresh()  # four records: past the limit, so the log is rotated
    assert [reader.report(jid) is not None for jid in ("14", "15", "520")] == [True, True, True]
    assert slurmctld.reconfigures == 1 and path.stat().st_size == 0
    assert (tmp_path / "jobcomp.log.1").read_text() == "".join(RECORDS[:4])
    slurmctld.write(RECORDS[4])
    reader.refresh()
    assert reader.named("matjobs-Ha49ix7PWgjDYsuQj") == ["521"]
    reader.forget("521")  # recorded by the runner: needed no more
    assert reader.report("521") is None and reader.named("matjobs-Ha49ix7PWgjDYsuQj") == []
    # A reader that starts now finds the records of both files.
    fresh = CompletionLog(path, reconfigure=slurmctld.reconfigure)
    fresh.refresh()
    assert all(fresh.report(jid) is not None for jid in ("13", "14", "15", "520", "521"))


def test_a_record_written_between_the_rename_and_the_reopen_is_not_lost(slurmctld: FakeSlurmctld) -> None:
    path = slurmctld.path
    slurmctld.write(RECORDS[0] + RECORDS[1])
    reader = CompletionLog(path, reconfigure=slurmctld.reconfigure, rotate_bytes=10)

    def late_reconfigure() -> None:
        slurmctld.write(RECORDS[2])  # lands in the renamed file
        slurmctld.reconfigure()

    reader._reconfigure = late_reconfigure
    reader.refresh()
    slurmctld.write(RECORDS[3])
    reader.refresh()
    assert all(reader.report(jid) is not None for jid in ("13", "14", "15", "520"))


def test_without_the_right_to_reconfigure_the_log_is_left_where_it_was(
    tmp_path: Path, slurmctld: FakeSlurmctld
) -> None:
    path = slurmctld.path
    slurmctld.write(RECORDS[0] + RECORDS[1])

    def refused() -> None:
        raise RuntimeError("scontrol reconfigure exited 1: Invalid user id")

    reader = CompletionLog(path, reconfigure=refused, rotate_bytes=10)
    reader.refresh()
    slurmctld.write(RECORDS[2])
    reader.refresh()
    assert path.read_text() == "".join(RECORDS[:3]) and not (tmp_path / "jobcomp.log.1").exists()
    assert reader.report("15") is not None


def test_a_truncated_log_is_read_on_from_its_copy_then_from_its_start(tmp_path: Path) -> None:
    path, copy = tmp_path / "jobcomp.log", tmp_path / "jobcomp.log.1"
    path.write_text(RECORDS[0] + RECORDS[1])
    reader = CompletionLog(path, reconfigure=lambda: None)
    reader.refresh()
    copy.write_text(RECORDS[0] + RECORDS[1] + RECORDS[2])  # copied with one more record, then truncated
    path.write_text(RECORDS[3])
    reader.refresh()
    assert all(reader.report(jid) is not None for jid in ("13", "14", "15", "520"))


def test_the_source_of_finished_jobs_follows_the_configuration() -> None:
    captured = parse_config((CAPTURED / "show-config.txt").read_text())
    assert finished_source(captured) == Source(FILETXT, Path("/tmp/shared-slurm/jobcomp.log"))
    with_dbd = {**captured, "AccountingStorageType": "accounting_storage/slurmdbd"}
    assert finished_source(with_dbd) == Source(SLURMDBD)
    assert finished_source({**captured, "JobCompType": "jobcomp/none"}) == Source(SACCT_COMPLETION)
