"""The bank's Quantum ESPRESSO workflows beyond one pw.x run, through HTTP on the local cluster:
Band Structure (pw.x scf, bands, bands.x), Band Gap (the NSCF reads the SCF's data), Zero Point
Energy (ph.x at Γ), each copied from the bank and run on the default Si with small settings set
through the units' context and the job's k-points; and a GW workflow, whose gw.x no Debian
package ships, ending in error before anything runs. SQLite only: the runs are what is tested."""

from __future__ import annotations

import json

import pytest

from tests.conftest import DOC_MATERIAL, User, documented_ids
from tests.helpers import FINAL, wait_for

CUTOFFS = {"name": "cutoffs", "isEdited": True, "data": {"wavefunction": 20, "density": 160}, "extraData": {}}


pytestmark = pytest.mark.usefixtures("once_over_sqlite")


def bank_workflow(user: User, name: str) -> dict:
    """The caller's copy of the bank's espresso workflow `name`, every execution unit made small."""
    query = {"query": json.dumps({"name": name, "subworkflows.application.name": "espresso"})}
    [standard] = user.http.get("/api/v1/bank-workflows", params=query).json()["data"]
    copied = user.http.post(f"/api/v1/bank-workflows/{standard['_id']}/copy")
    assert copied.status_code == 200, copied.text
    workflow = copied.json()["data"]
    changes = {
        f"subworkflows.{s}.units.{u}.context": [CUTOFFS]
        for s, subworkflow in enumerate(workflow["subworkflows"])
        for u, unit in enumerate(subworkflow["units"])
        if unit["type"] == "execution" and unit["executable"]["name"] == "pw.x"
    }
    patched = user.http.patch(f"/api/v1/workflows/{workflow['_id']}", json=changes)
    assert patched.status_code == 200, patched.text
    return patched.json()["data"]


def run(user: User, workflow: dict, seconds: float = 60) -> dict:
    body = {
        "name": workflow["name"],
        "_material": {"_id": documented_ids(user)[DOC_MATERIAL]},
        "workflow": {"_id": workflow["_id"]},
        "model": {"method": {"precision": {"kpoints": {"value": {"x": 2, "y": 2, "z": 2}}}}},
        "compute": {"cluster": {"fqdn": "local"}},
    }
    created = user.http.post("/api/v1/jobs", json=body)
    assert created.status_code == 200, created.text
    job_id = created.json()["data"]["_id"]
    assert user.http.post(f"/api/v1/jobs/{job_id}?submit=true").status_code == 200
    return wait_for(user, job_id, FINAL, seconds=seconds)


def properties_by_unit(user: User, job: dict) -> dict[str, dict[str, dict]]:
    """The job's properties: by the name of the unit that gave them, then by name."""
    names = {
        unit["flowchartId"]: unit["name"]
        for subworkflow in job["workflow"]["subworkflows"]
        for unit in subworkflow["units"]
    }
    query = {"query": json.dumps({"source.info.jobId": job["_id"]})}
    found: dict[str, dict[str, dict]] = {}
    for document in user.http.get("/api/v1/properties", params=query).json()["data"]:
        unit = names[document["source"]["info"]["unitId"]]
        found.setdefault(unit, {})[document["data"]["name"]] = document["data"]
    return found


def gaps(band_gaps: dict) -> dict[str, float]:
    return {gap["type"]: gap["value"] for gap in band_gaps["values"]}


@pytest.mark.usefixtures("pw_x", "espresso_data")
def test_band_structure_gives_the_bands_along_its_path_and_si_s_indirect_gap(scientist: User) -> None:
    job = run(scientist, bank_workflow(scientist, "Band Structure"), seconds=240)
    assert job["status"] == "finished", job["compute"].get("errors")
    found = properties_by_unit(scientist, job)
    bands = found["pw_bands"]["band_structure"]
    # The platform's FCC path, Γ-X-W-K-Γ-L-U-W-L-U-X, 10 steps a segment, in crystal coordinates.
    assert len(bands["xDataArray"]) == 101 and bands["xDataArray"][0] == [0, 0, 0]
    assert bands["xDataArray"][10] == pytest.approx([0.5, 0.0, 0.5])
    by_type = gaps(found["pw_bands"]["band_gaps"])
    # Si: indirect (Γ to near X), below the direct one at Γ (PBE: about 0.6 and 2.5 eV).
    assert 0.2 < by_type["indirect"] < by_type["direct"]
    assert "total_energy" in found["pw_scf"]


@pytest.mark.usefixtures("pw_x", "espresso_data")
def test_band_gap_s_nscf_reads_the_scf_s_data_and_gives_the_gaps(scientist: User) -> None:
    job = run(scientist, bank_workflow(scientist, "Band Gap"))
    assert job["status"] == "finished", job["compute"].get("errors")
    found = properties_by_unit(scientist, job)
    by_type = gaps(found["pw_nscf"]["band_gaps"])
    assert 0 < by_type["indirect"] <= by_type["direct"]


@pytest.mark.usefixtures("pw_x", "espresso_data")
def test_zero_point_energy_from_ph_x_at_gamma(scientist: User) -> None:
    job = run(scientist, bank_workflow(scientist, "Zero Point Energy"))
    assert job["status"] == "finished", job["compute"].get("errors")
    zpe = properties_by_unit(scientist, job)["ph_zpe"]["zero_point_energy"]
    # Si at Γ: three optical modes near 510 cm-1 and three acoustic near 0: 3/2 x 510 cm-1, about 0.095 eV;
    # the test's 2x2x2 k and 20 Ry put the optical modes near 575 cm-1 and leave the acoustic at ~25: 0.11 eV.
    assert zpe["units"] == "eV" and 0.08 < zpe["value"] < 0.13


@pytest.mark.usefixtures("espresso_data")
def test_a_gw_workflow_ends_in_error_before_anything_runs(scientist: User) -> None:
    job = run(scientist, bank_workflow(scientist, "Plasmon-Pole GW Band Structure + Band Gap"))
    assert job["status"] == "error"
    assert job["compute"]["errors"][-1]["message"] == "gw.x is not installed on cluster local"
    files = {entry["name"] for entry in scientist.http.get(f"/api/v1/jobs/{job['_id']}/files").json()["data"]}
    assert "job.sh" in files and not {"pw_scf.in", "pw_scf.out"} & files  # handed over, but no unit started
