"""The bank of standard materials and workflows (mat3ra-standata): the same for every account,
read-only, copied into an account on request; each new account starts with Si and the Quantum
ESPRESSO total energy workflow as its defaults."""

from __future__ import annotations

import json

from tests.conftest import User

SI = "Si, Silicon, FCC (Fd-3m) 3D (Bulk), mp-149"  # mat3ra-standata's Si (mp-149)


def listed(user: User, path: str, query: dict | None = None) -> list[dict]:
    params = {"limit": 500, **({"query": json.dumps(query)} if query else {})}
    answer = user.http.get(path, params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def test_every_account_sees_the_same_bank(alice: User, bob: User) -> None:
    materials = listed(alice, "/api/v1/bank-materials")
    workflows = listed(alice, "/api/v1/bank-workflows")
    # 76 standard materials, less one whose `external.source` the material schema does not know.
    assert len(materials) == 75 and len(workflows) == 63
    assert materials == listed(bob, "/api/v1/bank-materials")
    [si] = listed(alice, "/api/v1/bank-materials", {"name": SI})
    assert alice.http.get(f"/api/v1/bank-materials/{si['_id']}").json()["data"] == si
    espresso = listed(alice, "/api/v1/bank-workflows", {"subworkflows.application.name": "espresso"})
    assert 20 < len(espresso) < 63 and all("espresso" in json.dumps(w["subworkflows"]) for w in espresso)


def test_the_bank_and_an_accounts_own_documents_are_listed_apart(alice: User) -> None:
    # The same page of two kinds of the same entity once shared a cached statement.
    own = listed(alice, "/api/v1/materials")
    assert len(listed(alice, "/api/v1/bank-materials")) == 75
    assert listed(alice, "/api/v1/materials") == own and len(own) < 75


def test_a_new_account_starts_with_si_and_the_espresso_total_energy_workflow(alice: User) -> None:
    [material] = listed(alice, "/api/v1/materials", {"isDefault": True})
    [workflow] = listed(alice, "/api/v1/workflows", {"isDefault": True})
    assert material["name"] == SI and material["owner"]["_id"] == alice.account_id
    assert workflow["name"] == "Total Energy"
    assert workflow["subworkflows"][0]["application"]["name"] == "espresso"
    assert workflow["subworkflows"][0]["units"][0]["flowchartId"]


def test_a_bank_document_is_copied_into_the_callers_account_only(alice: User, bob: User) -> None:
    [band_gap] = listed(
        alice, "/api/v1/bank-workflows", {"name": "Band Gap", "subworkflows.application.name": "espresso"}
    )
    copied = alice.http.post(f"/api/v1/bank-workflows/{band_gap['_id']}/copy")
    assert copied.status_code == 200, copied.text
    copy = copied.json()["data"]
    assert copy["_id"] != band_gap["_id"] and copy["owner"]["_id"] == alice.account_id
    assert copy["subworkflows"] == band_gap["subworkflows"] and copy["isDefault"] is False
    assert alice.http.get(f"/api/v1/workflows/{copy['_id']}").json()["data"] == copy
    assert bob.http.get(f"/api/v1/workflows/{copy['_id']}").status_code == 404
    missing = alice.http.post("/api/v1/bank-materials/NoSuchMaterial123/copy")
    assert missing.status_code == 404 and "NoSuchMaterial123" in missing.json()["data"]["message"]


def test_the_bank_cannot_be_changed(alice: User) -> None:
    [si] = listed(alice, "/api/v1/bank-materials", {"name": SI})
    assert alice.http.post("/api/v1/bank-materials", json={"name": "mine"}).status_code == 405
    assert alice.http.patch(f"/api/v1/bank-materials/{si['_id']}", json={"name": "mine"}).status_code == 405
    assert alice.http.delete(f"/api/v1/bank-materials/{si['_id']}").status_code == 405
    assert alice.http.get(f"/api/v1/bank-materials/{si['_id']}").json()["data"] == si
