"""What the espresso application makes of a finished pw.x unit's folder: results, or a reason."""

from __future__ import annotations

import shutil
from pathlib import Path

from matjobs.applications.espresso import Espresso

CAPTURED = Path(__file__).parents[1] / "data" / "espresso"
UNIT = {"name": "pw_scf", "input": [{"template": {"name": "pw_scf.in"}}]}


def folder_with(tmp_path: Path, captured: str | None) -> Path:
    if captured is not None:
        shutil.copyfile(CAPTURED / captured, tmp_path / "pw_scf.out")
    return tmp_path


def test_a_converged_run_gives_its_properties(tmp_path: Path) -> None:
    collected = Espresso().collect(UNIT, folder_with(tmp_path, "si_scf.out"))
    assert collected.problem is None
    assert {"total_energy", "pressure", "convergence_electronic"} <= {p["name"] for p in collected.properties}


def test_a_run_that_did_not_converge_says_so_and_gives_nothing(tmp_path: Path) -> None:
    collected = Espresso().collect(UNIT, folder_with(tmp_path, "si_unconverged.out"))
    assert collected.problem is not None and collected.problem.startswith("SCF did not converge in 2 iterations")
    assert collected.properties == ()


def test_pw_x_stopping_on_a_missing_file_is_reported_in_its_words(tmp_path: Path) -> None:
    collected = Espresso().collect(UNIT, folder_with(tmp_path, "si_missing_pseudo.out"))
    assert collected.problem is not None and "Error in routine readpp" in collected.problem


def test_no_output_at_all_points_at_the_installation(tmp_path: Path) -> None:
    # What a cluster without Quantum ESPRESSO leaves: the shell could not start pw.x.
    collected = Espresso().collect(UNIT, folder_with(tmp_path, None))
    assert collected.problem is not None and "is Quantum ESPRESSO installed" in collected.problem


def test_ph_x_told_to_stop_after_listing_its_q_points_has_finished(tmp_path: Path) -> None:
    """Phonon Map's first ph.x (last_irr = 0) lists the q-points and leaves without JOB DONE."""
    for suffix in ("in", "out"):
        shutil.copyfile(CAPTURED / "ph.x" / f"ph_init_qpoints.{suffix}", tmp_path / f"ph_init_qpoints.{suffix}")
    unit = {"name": "ph_init_qpoints", "input": [{"template": {"name": "ph_init_qpoints.in"}}]}
    unit["executable"] = {"name": "ph.x"}
    assert Espresso().collect(unit, tmp_path).problem is None
    # The same output for a ph.x meant to run every representation is cut short.
    (tmp_path / "ph_init_qpoints.in").write_text(
        (tmp_path / "ph_init_qpoints.in").read_text().replace("last_irr = 0", "")
    )
    assert Espresso().collect(unit, tmp_path).problem == "ph.x output ends before JOB DONE"
