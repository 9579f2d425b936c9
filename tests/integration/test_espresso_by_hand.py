"""The figures bank workflows give for Si, checked against Quantum ESPRESSO run by hand on the job's
own rendered inputs (downloaded through the files API, run with subprocess in a scratch folder, the
output read with this file's own patterns, not the application's parsers). SQLite only."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import httpx
import pytest

from tests.conftest import User
from tests.integration.test_espresso_workflows import bank_workflow, gaps, properties_by_unit, run

PSEUDO_DIR = Path("/usr/share/espresso/pseudo")
CM1_TO_EV = 1.23984198e-4
_OUTDIR = re.compile(r"""outdir\s*=\s*'(.*)/outdir'""")
_BANDS = re.compile(r"k =.*bands \(ev\):\s*\n\n((?:[ \t]*-?\d.*\n)+)")
_FREQ_CM1 = re.compile(r"freq \(\s*\d+\)\s*=.*\[THz\]\s*=\s*(\S+)\s*\[cm-1\]")


pytestmark = pytest.mark.usefixtures("once_over_sqlite")


def job_inputs(user: User, job: dict, folder: Path) -> dict[str, str]:
    """The job's rendered inputs, its folder's paths turned into `folder`'s."""
    entries = user.http.get(f"/api/v1/jobs/{job['_id']}/files").json()["data"]
    texts = {e["name"]: httpx.get(e["signedUrl"]).text for e in entries if e["name"].endswith(".in")}
    found = next(_OUTDIR.search(text) for text in texts.values() if _OUTDIR.search(text))
    assert found is not None
    (folder / "outdir").mkdir(exist_ok=True)
    (folder / "pseudo").mkdir(exist_ok=True)
    for pseudo in PSEUDO_DIR.glob("Si*"):
        (folder / "pseudo" / pseudo.name).symlink_to(pseudo)
    return {name: text.replace(found.group(1), str(folder)) for name, text in texts.items()}


def by_hand(folder: Path, executable: str, name: str, text: str) -> str:
    (folder / name).write_text(text)
    done = subprocess.run(
        [executable, "-in", name],
        cwd=folder,
        capture_output=True,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
        timeout=300,
    )
    assert done.returncode == 0 and "JOB DONE" in done.stdout, done.stdout[-2000:]
    return done.stdout


def printed_gaps(output: str, kpoints: int | None) -> tuple[float, float]:
    """Si's indirect and direct gaps from the energies pw.x printed: 8 electrons fill bands 1-4."""
    text = output[output.rindex("End of band structure calculation") :]
    energies = [[float(value) for value in re.findall(r"-?\d+\.\d+", block)] for block in _BANDS.findall(text)]
    assert energies and (kpoints is None or len(energies) == kpoints)
    top = max(point[3] for point in energies)
    bottom = min(point[4] for point in energies)
    return bottom - top, min(point[4] - point[3] for point in energies)


@pytest.mark.usefixtures("pw_x", "espresso_data")
def test_band_gap_s_indirect_gap_is_the_hand_run_s(scientist: User, tmp_path: Path) -> None:
    job = run(scientist, bank_workflow(scientist, "Band Gap"))
    assert job["status"] == "finished", job["compute"].get("errors")
    inputs = job_inputs(scientist, job, tmp_path)
    by_hand(tmp_path, "pw.x", "pw_scf.in", inputs["pw_scf.in"])
    nscf = by_hand(tmp_path, "pw.x", "pw_nscf.in", inputs["pw_nscf.in"])
    indirect, direct = printed_gaps(nscf, kpoints=None)
    by_type = gaps(properties_by_unit(scientist, job)["pw_nscf"]["band_gaps"])
    assert by_type["indirect"] == pytest.approx(indirect, abs=0.01)
    assert by_type["direct"] == pytest.approx(direct, abs=0.01)


@pytest.mark.usefixtures("pw_x", "espresso_data")
def test_band_structure_s_gaps_are_the_hand_run_s_printed_bands(scientist: User, tmp_path: Path) -> None:
    job = run(scientist, bank_workflow(scientist, "Band Structure"), seconds=240)
    assert job["status"] == "finished", job["compute"].get("errors")
    inputs = job_inputs(scientist, job, tmp_path)
    by_hand(tmp_path, "pw.x", "pw_scf.in", inputs["pw_scf.in"])
    # At verbosity 'high' pw.x prints every k-point's energies: the job's run read them from its data file.
    verbose = inputs["pw_bands.in"].replace("verbosity = 'low'", "verbosity = 'high'")
    output = by_hand(tmp_path, "pw.x", "pw_bands.in", verbose)
    indirect, direct = printed_gaps(output, kpoints=101)
    by_type = gaps(properties_by_unit(scientist, job)["pw_bands"]["band_gaps"])
    assert by_type["indirect"] == pytest.approx(indirect, abs=0.01)
    assert by_type["direct"] == pytest.approx(direct, abs=0.01)


@pytest.mark.usefixtures("pw_x", "espresso_data")
def test_zero_point_energy_is_half_the_hand_run_s_gamma_frequencies(scientist: User, tmp_path: Path) -> None:
    job = run(scientist, bank_workflow(scientist, "Zero Point Energy"))
    assert job["status"] == "finished", job["compute"].get("errors")
    inputs = job_inputs(scientist, job, tmp_path)
    by_hand(tmp_path, "pw.x", "pw_scf.in", inputs["pw_scf.in"])
    [ph_input] = [name for name in inputs if name.startswith("ph")]
    frequencies = [float(value) for value in _FREQ_CM1.findall(by_hand(tmp_path, "ph.x", ph_input, inputs[ph_input]))]
    assert len(frequencies) == 6
    # Si's optical mode at Γ (three-fold): about 510 cm-1 converged; these tiny settings (2x2x2 k) give more.
    assert 480 < sorted(frequencies)[-1] < 620
    zpe = properties_by_unit(scientist, job)["ph_zpe"]["zero_point_energy"]
    assert zpe["value"] == pytest.approx(0.5 * sum(max(f, 0.0) for f in frequencies) * CM1_TO_EV, rel=0.01)


@pytest.mark.usefixtures("pw_x", "espresso_data")
def test_phonon_dispersions_optical_frequency_at_gamma_is_the_hand_run_s(scientist: User, tmp_path: Path) -> None:
    """ph.x on the job's own inputs by hand, against the dispersion that q2r.x and matdyn.x made of
    the job's ph.x run: Si's optical mode at Γ within 1%."""
    job = run(scientist, bank_workflow(scientist, "Phonon Dispersions"), seconds=240)
    assert job["status"] == "finished", job["compute"].get("errors")
    inputs = job_inputs(scientist, job, tmp_path)
    by_hand(tmp_path, "pw.x", "pw_scf.in", inputs["pw_scf.in"])
    [ph_input] = [name for name in inputs if name.startswith("ph")]
    frequencies = [float(value) for value in _FREQ_CM1.findall(by_hand(tmp_path, "ph.x", ph_input, inputs[ph_input]))]
    dispersions = next(
        found["phonon_dispersions"]
        for found in properties_by_unit(scientist, job).values()
        if "phonon_dispersions" in found
    )
    at_gamma = [index for index, q in enumerate(dispersions["xDataArray"]) if q == [0, 0, 0]]
    assert at_gamma, "the path passes through Γ"
    optical = max(series[at_gamma[0]] for series in dispersions["yDataSeries"])
    assert optical == pytest.approx(max(frequencies), rel=0.01)
