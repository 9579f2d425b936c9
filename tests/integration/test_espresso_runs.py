"""Quantum ESPRESSO through the API: the default Si and the Total Energy workflow, with
Si.pz-vbc.UPF, 2x2x2 k-points and a 20 Ry cutoff, submitted, run by pw.x on the local cluster
and on SLURM (2 cores, under mpirun), and agreeing with pw.x run by hand on the job's input;
and jobs that name no pseudopotential, as the platform's client sends them, run with the
registry's file for the workflow's model (PBE, ultrasoft)."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from matjobs.applications.pw_output import parse_pw_output
from matjobs.store import Store
from tests.conftest import DOC_MATERIAL, DOC_PSEUDO, DOC_WORKFLOW, User, documented_ids, signed_up
from tests.helpers import FINAL, wait_for
from tests.servers import LiveServer

# compute-stack.md's reference run: fcc Si, celldm(1) = 10.20 bohr, so a primitive edge of 10.20 / sqrt(2) bohr.
EDGE = 10.20 / math.sqrt(2) * 0.529177210903
RYDBERG_EV = 13.605693122994017  # pw.x's own conversion


@pytest.fixture
def gina(backend: Store, running_server: LiveServer) -> Iterator[User]:
    with signed_up(backend, running_server, "gina") as user:
        yield user


def si_job(user: User, cluster: str) -> str:
    ids = documented_ids(user)
    user.http.patch(
        f"/api/v1/materials/{ids[DOC_MATERIAL]}", json={"lattice.a": EDGE, "lattice.b": EDGE, "lattice.c": EDGE}
    )
    cutoffs = [{"name": "cutoffs", "isEdited": True, "data": {"wavefunction": 20, "density": 80}, "extraData": {}}]
    patched = user.http.patch(
        f"/api/v1/workflows/{ids[DOC_WORKFLOW]}", json={"subworkflows.0.units.0.context": cutoffs}
    )
    assert patched.status_code == 200, patched.text
    body = {
        "name": "Si total energy",
        "_material": {"_id": ids[DOC_MATERIAL]},
        "workflow": {"_id": ids[DOC_WORKFLOW]},
        "model": {
            "method": {
                "data": {"pseudo": [{"_id": ids[DOC_PSEUDO]}]},
                "precision": {"kpoints": {"value": {"x": 2, "y": 2, "z": 2}, "shift": {"x": 0, "y": 0, "z": 0}}},
            }
        },
        "compute": {"cluster": {"fqdn": cluster}, "ppn": 2 if cluster == "slurm" else 1},
    }
    created = user.http.post("/api/v1/jobs", json=body)
    assert created.status_code == 200, created.text
    job_id = created.json()["data"]["_id"]
    assert user.http.post(f"/api/v1/jobs/{job_id}?submit=true").status_code == 200
    return job_id


def job_files(user: User, job_id: str) -> dict[str, str]:
    """The job's files by name, fetched as the platform's clients fetch them."""
    entries = user.http.get(f"/api/v1/jobs/{job_id}/files").json()["data"]
    return {entry["name"]: httpx.get(entry["signedUrl"]).text for entry in entries if entry["name"].startswith("pw_")}


def energy_and_by_hand(user: User, job: dict, tmp_path: Path) -> tuple[float, float]:
    """The job's total energy (Ry), and pw.x's run by hand here on the job's own input file."""
    assert job["status"] == "finished", job["compute"].get("errors")
    files = job_files(user, job["_id"])
    assert "!    total energy" in files["pw_scf.out"]
    (tmp_path / "pw_scf.in").write_text(files["pw_scf.in"])
    by_hand = subprocess.run(
        ["pw.x", "-in", "pw_scf.in"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert by_hand.returncode == 0, by_hand.stdout[-2000:]
    energy = parse_pw_output(files["pw_scf.out"]).total_energy_ry
    by_hand_energy = parse_pw_output(by_hand.stdout).total_energy_ry
    assert energy is not None and by_hand_energy is not None
    return energy, by_hand_energy


@pytest.mark.usefixtures("pw_x")
def test_the_si_total_energy_agrees_with_pw_x_run_by_hand(gina: User, cluster: str, tmp_path: Path) -> None:
    job = wait_for(gina, si_job(gina, cluster), FINAL, seconds=180)
    energy, by_hand = energy_and_by_hand(gina, job, tmp_path)
    assert energy == pytest.approx(by_hand, abs=1e-5)
    assert energy == pytest.approx(-15.65472304, abs=1e-5)  # and with the reference run
    assert "pseudo" not in job["workflow"]["subworkflows"][0]["model"]["method"]["data"]  # the job named its own
    output = job_files(gina, job["_id"])["pw_scf.out"]
    # The results are properties, found as the platform's clients look for them.
    unit_id = job["workflow"]["subworkflows"][0]["units"][0]["flowchartId"]
    query = {"source.info.jobId": job["_id"], "source.info.unitId": unit_id, "data.name": "total_energy"}
    [total_energy] = gina.http.get("/api/v1/properties", params={"query": json.dumps(query)}).json()["data"]
    assert total_energy["data"]["units"] == "eV"
    assert total_energy["data"]["value"] / RYDBERG_EV == pytest.approx(energy, abs=1e-8)
    names = {
        p["data"]["name"]
        for p in gina.http.get(
            "/api/v1/properties", params={"query": json.dumps({"source.info.jobId": job["_id"]})}
        ).json()["data"]
    }
    assert {
        "total_energy",
        "total_energy_contributions",
        "pressure",
        "stress_tensor",
        "atomic_forces",
        "total_force",
        "convergence_electronic",
    } <= names
    # ... and from the job itself.
    from_the_job = gina.http.get(f"/api/v1/jobs/{job['_id']}/properties").json()["data"]
    assert total_energy in from_the_job and {p["data"]["name"] for p in from_the_job} == names
    if cluster == "slurm":  # ppn = 2: pw.x under mpirun with two processes
        assert re.search(r"Parallel version \(MPI\), running on\s+2 processors", output)


def test_a_job_whose_material_was_deleted_ends_in_error_saying_so(gina: User) -> None:
    ids = documented_ids(gina)
    material = gina.http.post(
        "/api/v1/materials",
        json={**json.loads(gina.http.get(f"/api/v1/materials/{ids[DOC_MATERIAL]}").text)["data"], "name": "doomed"},
    ).json()["data"]
    body = {"name": "no material", "_material": {"_id": material["_id"]}, "workflow": {"_id": ids[DOC_WORKFLOW]}}
    job_id = gina.http.post("/api/v1/jobs", json=body).json()["data"]["_id"]
    gina.http.delete(f"/api/v1/materials/{material['_id']}")
    gina.http.post(f"/api/v1/jobs/{job_id}?submit=true")
    job = wait_for(gina, job_id, FINAL)
    assert job["status"] == "error"
    assert f"material {material['_id']} not found" in job["compute"]["errors"][-1]["message"]


@pytest.mark.usefixtures("pw_x")
def test_an_scf_that_does_not_converge_ends_in_error_saying_so(gina: User) -> None:
    ids = documented_ids(gina)
    workflow = gina.http.get(f"/api/v1/workflows/{ids[DOC_WORKFLOW]}").json()["data"]
    template = workflow["subworkflows"][0]["units"][0]["input"][0]["template"]["content"]
    capped = template.replace("&ELECTRONS", "&ELECTRONS\n    electron_maxstep = 2")
    path = "subworkflows.0.units.0.input.0.template.content"
    assert gina.http.patch(f"/api/v1/workflows/{ids[DOC_WORKFLOW]}", json={path: capped}).status_code == 200
    job = wait_for(gina, si_job(gina, "local"), FINAL, seconds=120)
    assert job["status"] == "error"
    assert "SCF did not converge in 2 iterations" in job["compute"]["errors"][-1]["message"]
    found = gina.http.get("/api/v1/properties", params={"query": json.dumps({"source.info.jobId": job["_id"]})})
    assert found.json()["data"] == []  # no results from a calculation that failed


def unnamed_pseudo_job(user: User, material_id: str, cluster: str = "local") -> dict:
    """A job as the platform's client creates it (a name, a material, a workflow: no pseudopotential),
    submitted and run to its end."""
    body = {
        "name": "no pseudo",
        "_material": {"_id": material_id},
        "workflow": {"_id": documented_ids(user)[DOC_WORKFLOW]},
        "compute": {"cluster": {"fqdn": cluster}},
    }
    created = user.http.post("/api/v1/jobs", json=body)
    assert created.status_code == 200, created.text
    job_id = created.json()["data"]["_id"]
    assert user.http.post(f"/api/v1/jobs/{job_id}?submit=true").status_code == 200
    return wait_for(user, job_id, FINAL, seconds=180)


def bank_material(user: User, name: str) -> str:
    """The id of the caller's copy of a standard material."""
    query = {"query": json.dumps({"name": name})}
    [standard] = user.http.get("/api/v1/bank-materials", params=query).json()["data"]
    copied = user.http.post(f"/api/v1/bank-materials/{standard['_id']}/copy")
    assert copied.status_code == 200, copied.text
    return str(copied.json()["data"]["_id"])


def shown_pseudopotentials(user: User, job: dict) -> list[str]:
    """The files the job's workflow shows it ran with, each the registry's document for it."""
    shown = job["workflow"]["subworkflows"][0]["model"]["method"]["data"]["pseudo"]
    for pseudo in shown:
        assert user.http.get(f"/api/v1/pseudopotentials/{pseudo['_id']}").json()["data"] == pseudo
    return [pseudo["filename"] for pseudo in shown]


@pytest.mark.usefixtures("pw_x")
def test_si_naming_no_pseudopotential_runs_with_the_registrys_pbe_ultrasoft_file(
    gina: User, cluster: str, tmp_path: Path
) -> None:
    job = unnamed_pseudo_job(gina, documented_ids(gina)[DOC_MATERIAL], cluster)
    energy, by_hand = energy_and_by_hand(gina, job, tmp_path)
    assert shown_pseudopotentials(gina, job) == ["Si.pbe-nl-rrkjus_psl.1.0.0.UPF"]
    assert "Si 28.085500 Si.pbe-nl-rrkjus_psl.1.0.0.UPF" in job_files(gina, job["_id"])["pw_scf.in"]
    assert energy == pytest.approx(by_hand, abs=1e-5)
    # pw.x by hand on the standard workflow's input (40/200 Ry) and mp-149's cell, on the k-grid the
    # platform computes for a grid nobody edited (KPPRA 5: 2x2x2 for Si), not the bank's stored 1x1x1.
    assert "2 2 2 0 0 0" in job_files(gina, job["_id"])["pw_scf.in"]
    assert energy == pytest.approx(-20.25454421, abs=1e-5)


@pytest.mark.usefixtures("pw_x")
def test_diamond_naming_no_pseudopotential_runs_with_the_registrys_pbe_ultrasoft_file(
    gina: User, tmp_path: Path
) -> None:
    job = unnamed_pseudo_job(gina, bank_material(gina, "C, Diamond, FCC (Fd-3m) 3D (Bulk), mp-66"))
    energy, by_hand = energy_and_by_hand(gina, job, tmp_path)
    assert shown_pseudopotentials(gina, job) == ["C.pbe-rrkjus.UPF"]
    assert energy == pytest.approx(by_hand, abs=1e-5)
    # pw.x by hand, as for Si, on the k-grid the platform computes for diamond (KPPRA 5).
    assert energy == pytest.approx(-22.53686365, abs=1e-5)


@pytest.mark.usefixtures("espresso_data")
def test_a_job_with_an_element_the_registry_has_no_file_for_ends_in_error_naming_it(gina: User) -> None:
    job = unnamed_pseudo_job(gina, bank_material(gina, "GaN, Gallium Nitride, HEX (P6_3mc) 3D (Bulk), mp-804"))
    assert job["status"] == "error"
    message = job["compute"]["errors"][-1]["message"]
    assert message == "no pseudopotential for element Ga in the registry (/usr/share/espresso/pseudo)"
