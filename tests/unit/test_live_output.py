"""The runner's reading of running jobs' outputs: each file's lines belong to the unit that was
running when the file appeared, however late they are read; a file written anew starts over."""

from __future__ import annotations

from pathlib import Path

from matjobs.runner.live import LiveOutput

ITERATION = (
    "     iteration #  {n}     ecut=    15.00 Ry\n     total energy = -4.1 Ry\n     estimated scf accuracy < 0.{n} Ry\n"
)


def test_lines_read_after_the_next_unit_started_stay_with_the_unit_that_wrote_them(tmp_path: Path) -> None:
    live = LiveOutput()
    live.running_unit("j", "scf")
    (tmp_path / "pw_scf.out").write_text(ITERATION.format(n=1))
    first = live.read("j", "acc", tmp_path)
    with (tmp_path / "pw_scf.out").open("a") as output:
        output.write(ITERATION.format(n=2))
    live.running_unit("j", "bands")  # the SCF ended and the next unit began before the next look
    (tmp_path / "pw_bands.out").write_text(ITERATION.format(n=1))
    later = live.read("j", "acc", tmp_path)
    assert [(e.data["unitId"], e.data["file"], e.data["iteration"]) for e in first + later] == [
        ("scf", "pw_scf.out", 1),
        ("bands", "pw_bands.out", 1),
        ("scf", "pw_scf.out", 2),
    ]


def test_a_file_written_anew_is_read_from_its_start(tmp_path: Path) -> None:
    live = LiveOutput()
    live.running_unit("j", "scf")
    (tmp_path / "pw_scf.out").write_text(ITERATION.format(n=1) + ITERATION.format(n=2))
    assert [e.data["iteration"] for e in live.read("j", "acc", tmp_path)] == [1, 2]
    (tmp_path / "pw_scf.out").write_text(ITERATION.format(n=1))  # the loop's next pass
    assert [e.data["iteration"] for e in live.read("j", "acc", tmp_path)] == [1]
    assert live.read("j", "acc", tmp_path) == []


def test_only_regular_files_in_the_job_s_folder_are_read(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.txt"
    outside.write_text(ITERATION.format(n=1))
    folder = tmp_path / "job"
    folder.mkdir()
    (folder / "link.out").symlink_to(outside)
    assert LiveOutput().read("j", "acc", folder) == []
