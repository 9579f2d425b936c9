"""The pseudopotential registry: the UPF files of Debian's quantum-espresso-data, described as
the platform describes them, read-only and the same for every account."""

from __future__ import annotations

import json

import pytest

from matjobs.pseudopotentials import DEBIAN_PSEUDO_DIR
from tests.conftest import User

pytestmark = pytest.mark.usefixtures("espresso_data")


def listed(user: User, query: dict | None = None) -> list[dict]:
    params = {"limit": 500, **({"query": json.dumps(query)} if query else {})}
    answer = user.http.get("/api/v1/pseudopotentials", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def test_every_upf_file_of_the_machine_is_in_the_registry(alice: User, bob: User) -> None:
    files = sorted(path.name for path in DEBIAN_PSEUDO_DIR.iterdir() if path.suffix.lower() == ".upf")
    registry = listed(alice)
    assert sorted(entry["filename"] for entry in registry) == files
    assert listed(bob) == registry


def test_pseudopotentials_are_found_by_element_functional_and_type(alice: User) -> None:
    found = listed(alice, {"element": "Si", "exchangeCorrelation.functional": "pz", "type": "nc"})
    assert [entry["filename"] for entry in found] == ["Si.pz-vbc.UPF"]
    [si] = found
    assert si["path"] == str(DEBIAN_PSEUDO_DIR / "Si.pz-vbc.UPF") and si["apps"] == ["espresso"]
    assert alice.http.get(f"/api/v1/pseudopotentials/{si['_id']}").json()["data"] == si
    paw = listed(alice, {"type": "paw"})
    assert paw and all(entry["type"] == "paw" for entry in paw)


def test_the_registry_cannot_be_changed(alice: User) -> None:
    [si] = listed(alice, {"filename": "Si.pz-vbc.UPF"})
    assert alice.http.post("/api/v1/pseudopotentials", json={"element": "X"}).status_code == 405
    assert alice.http.patch(f"/api/v1/pseudopotentials/{si['_id']}", json={"element": "X"}).status_code == 405
    assert alice.http.delete(f"/api/v1/pseudopotentials/{si['_id']}").status_code == 405
