"""pw.x output parsing, pinned on real pw.x 6.7 runs captured in tests/data/espresso (inputs beside them)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jsonschema
import pytest
from mat3ra.esse import ESSE

from matjobs.applications.pw_output import (
    BOHR_TO_ANGSTROM,
    RY_TO_EV,
    PwResult,
    ScfIteration,
    failure_reason,
    parse_pw_output,
    properties,
)

DATA = Path(__file__).parents[1] / "data" / "espresso"
CONVERGED_RUNS = ["si_scf", "si_scf_mpi2", "si_displaced_verbose", "al_smearing"]


def text_of(run: str) -> str:
    return (DATA / f"{run}.out").read_text()


def parsed(run: str) -> PwResult:
    return parse_pw_output(text_of(run))


@cache
def manifest(property_name: str) -> dict:
    return ESSE().get_property_manifest(property_name)


def validator_for(property_name: str) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(ESSE().get_schema_by_id(manifest(property_name)["schemaId"]))


def by_name(documents: list[dict]) -> dict[str, dict]:
    return {document["name"]: document for document in documents}


# --- the reference Si scf (compute-stack.md) --------------------------------------------------------------------


def test_total_energy_is_the_final_bang_line_as_printed() -> None:
    assert parsed("si_scf").total_energy_ry == -15.65472304


def test_scf_history_lists_each_iteration_with_its_energy_and_accuracy() -> None:
    history = parsed("si_scf").scf_history
    assert [iteration.number for iteration in history] == [1, 2, 3, 4, 5, 6]
    assert history[0] == ScfIteration(1, -15.64920417, 0.10528452)
    # The converged iteration prints its figures only on the final "!" lines.
    assert history[-1] == ScfIteration(6, -15.65472304, 7.9e-11)


def test_converged_run_is_converged_and_finished() -> None:
    result = parsed("si_scf")
    assert result.converged and result.finished and not result.gave_up and result.error is None
    assert result.scf_threshold_ry == 1e-8


def test_energy_contributions_are_read_as_printed() -> None:
    assert parsed("si_scf").energy_contributions_ry == {
        "one_electron": 4.88938950,
        "hartree": 1.23775944,
        "exchange_correlation": -4.88211339,
        "ewald": -16.89975859,
    }


def test_forces_vanish_by_symmetry_in_the_diamond_structure() -> None:
    result = parsed("si_scf")
    assert result.atomic_forces_ry_per_bohr == ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0))
    assert result.total_force_ry_per_bohr == 0.0


def test_stress_is_the_kbar_half_of_the_printed_table() -> None:
    result = parsed("si_scf")
    assert result.stress_kbar == ((70.51, 0.0, 0.0), (0.0, 70.51, 0.0), (0.0, 0.0, 70.51))
    assert result.pressure_kbar == 70.51


def test_no_fermi_energy_without_smearing() -> None:
    assert parsed("si_scf").fermi_energy_ev is None


def test_wall_time_is_read_from_the_final_pwscf_line() -> None:
    assert parsed("si_scf").wall_time_s == 0.12


# --- other runs ---------------------------------------------------------------------------------------------------


def test_two_mpi_ranks_parse_alike_and_reach_the_serial_energy() -> None:
    assert "running on     2 processors" in text_of("si_scf_mpi2")
    result = parsed("si_scf_mpi2")
    assert result.total_energy_ry == parsed("si_scf").total_energy_ry == -15.65472304
    assert len(result.scf_history) == 6 and result.converged
    assert len(result.atomic_forces_ry_per_bohr) == 2 and result.pressure_kbar == 70.51


def test_forces_come_from_the_total_block_not_the_verbose_per_term_blocks() -> None:
    result = parsed("si_displaced_verbose")
    assert "The non-local contrib.  to forces" in text_of("si_displaced_verbose")
    assert result.atomic_forces_ry_per_bohr == (
        (0.07291310, 0.00865448, -0.03701639),
        (-0.07291310, -0.00865448, 0.03701639),
    )
    assert result.total_force_ry_per_bohr == 0.116288


def test_a_displaced_atom_gives_a_full_stress_tensor() -> None:
    result = parsed("si_displaced_verbose")
    assert result.stress_kbar == ((70.84, 24.13, -4.75), (24.13, 79.91, -47.82), (-4.75, -47.82, 77.58))
    assert result.pressure_kbar == 76.11
    assert result.total_energy_ry == -15.64540527 and len(result.scf_history) == 7


def test_smearing_run_has_a_fermi_energy_and_a_smearing_term() -> None:
    result = parsed("al_smearing")
    assert result.fermi_energy_ev == 8.3515
    assert result.total_energy_ry == -4.18546972
    assert result.energy_contributions_ry["smearing"] == -0.00050828
    assert len(result.scf_history) == 4 and result.converged


def test_run_that_hits_electron_maxstep_did_not_converge() -> None:
    result = parsed("si_unconverged")
    assert result.gave_up and not result.converged
    assert result.total_energy_ry is None and result.energy_contributions_ry == {}
    assert result.scf_history == (ScfIteration(1, -15.64920417, 0.10528452), ScfIteration(2, -15.65419049, 0.00497671))
    assert failure_reason(result) == "SCF did not converge in 2 iterations (estimated accuracy 5.0e-03 Ry)"


def test_pw_x_error_block_becomes_the_failure_reason() -> None:
    result = parsed("si_missing_pseudo")
    message = "Error in routine readpp (1): file /usr/share/espresso/pseudo/Si.missing.UPF not found"
    assert result.error == message
    assert failure_reason(result) == f"pw.x stopped: {message}"
    assert properties(result) == []


@pytest.mark.parametrize("run", CONVERGED_RUNS)
def test_converged_runs_have_no_failure_reason(run: str) -> None:
    assert failure_reason(parsed(run)) is None


def test_output_cut_off_mid_scf_keeps_the_complete_iterations() -> None:
    text = text_of("si_scf")
    result = parse_pw_output(text[: text.index("iteration #  6")] + "     iteration #  6     ecut=    20.00 Ry\n")
    assert [iteration.number for iteration in result.scf_history] == [1, 2, 3, 4, 5]
    assert not result.converged and not result.finished and result.total_energy_ry is None
    assert (
        failure_reason(result) == "pw.x output ends during the SCF, after 5 iterations (estimated accuracy 7.0e-08 Ry)"
    )


def test_output_without_any_iteration() -> None:
    assert failure_reason(parse_pw_output("")) == "pw.x stopped before the first SCF iteration"


@pytest.mark.parametrize(
    ("line", "seconds"),
    [
        # pw.x's four clock formats (QE clocks_handler.f90), with the wall time after "CPU".
        ("     PWSCF        :      0.08s CPU      0.12s WALL", 0.12),
        ("     PWSCF        :  1m 2.34s CPU    1m 5.67s WALL", 65.67),
        ("     PWSCF        :     1h 2m CPU         1h 3m WALL", 3780.0),
        ("     PWSCF        :     1d    2h 3m CPU         1d    2h 4m WALL", 93840.0),
    ],
)
def test_wall_time_formats(line: str, seconds: float) -> None:
    assert parse_pw_output(f"\n{line}\n").wall_time_s == pytest.approx(seconds)


# --- property documents -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("run", [*CONVERGED_RUNS, "si_unconverged"])
def test_every_property_validates_against_its_schema_in_the_manifest_units(run: str) -> None:
    documents = properties(parsed(run))
    assert documents
    for document in documents:
        validator_for(document["name"]).validate(document)
        assert document["units"] == manifest(document["name"])["defaults"]["units"]


def test_properties_are_only_those_the_output_has() -> None:
    assert [document["name"] for document in properties(parsed("si_scf"))] == [
        "total_energy",
        "total_energy_contributions",
        "total_force",
        "atomic_forces",
        "stress_tensor",
        "pressure",
        "convergence_electronic",
    ]
    assert "fermi_energy" in by_name(properties(parsed("al_smearing")))
    assert [document["name"] for document in properties(parsed("si_unconverged"))] == ["convergence_electronic"]


def test_conversions_use_pw_x_constants() -> None:
    assert abs(RY_TO_EV - 13.605693122994) < 1e-12
    assert BOHR_TO_ANGSTROM == 0.529177210903


def test_total_energy_is_in_ev_and_keeps_the_printed_rydberg_figure() -> None:
    document = by_name(properties(parsed("si_scf")))["total_energy"]
    assert document["value"] == -15.65472304 * RY_TO_EV
    assert document["value"] == pytest.approx(-212.99335760770, abs=1e-9)
    assert document["original"] == {"value": -15.65472304, "units": "Ry"}


def test_contributions_are_in_ev_under_the_schema_names() -> None:
    document = by_name(properties(parsed("al_smearing")))["total_energy_contributions"]
    assert document["smearing"] == {"name": "smearing", "value": -0.00050828 * RY_TO_EV}
    assert document["exchange_correlation"] == {"name": "exchange_correlation", "value": -1.63496226 * RY_TO_EV}
    assert set(document) == {"name", "units", "one_electron", "hartree", "exchange_correlation", "ewald", "smearing"}


def test_forces_are_in_ev_per_angstrom_with_one_based_atom_ids() -> None:
    documents = by_name(properties(parsed("si_displaced_verbose")))
    to_ev_per_angstrom = RY_TO_EV / BOHR_TO_ANGSTROM
    forces = documents["atomic_forces"]["values"]
    assert [force["id"] for force in forces] == [1, 2]
    assert forces[0]["value"] == pytest.approx(
        [0.07291310 * to_ev_per_angstrom, 0.00865448 * to_ev_per_angstrom, -0.03701639 * to_ev_per_angstrom]
    )
    assert forces[0]["value"][0] == pytest.approx(1.87467, abs=1e-5)
    assert documents["total_force"]["value"] == pytest.approx(0.116288 * to_ev_per_angstrom)


def test_stress_and_pressure_stay_in_kbar() -> None:
    documents = by_name(properties(parsed("si_displaced_verbose")))
    assert documents["stress_tensor"]["value"][1] == [24.13, 79.91, -47.82]
    assert documents["pressure"] == {"name": "pressure", "value": 76.11, "units": "kbar"}


def test_convergence_electronic_lists_each_iteration_accuracy_in_ev() -> None:
    document = by_name(properties(parsed("si_scf")))["convergence_electronic"]
    accuracies_ry = [0.10528452, 0.00497671, 0.00008582, 0.00000118, 0.00000007, 7.9e-11]
    assert document["data"] == [[accuracy * RY_TO_EV for accuracy in accuracies_ry]]
    assert document["tolerance"] == 1e-8 * RY_TO_EV
