"""The pseudopotential chosen for an element a job names none for: by the workflow's model, from
documents shaped like those of Debian's quantum-espresso-data (and from that folder where it is installed)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from matjobs.applications.base import run_context
from matjobs.bank import DEFAULT_WORKFLOW, bank
from matjobs.errors import BadInput
from matjobs.pseudo_choice import Registry, choose, fully_relativistic, pseudopotential_model, with_pseudopotentials
from matjobs.pseudopotentials import DEBIAN_PSEUDO_DIR, registry

FOLDER = Path("/registry")


def pseudo(filename: str, element: str, kind: str, functional: str) -> dict:
    approximation = {"pz": "lda", "pbe": "gga", "pbesol": "gga", "tpss": "mgga"}[functional]
    return {
        "element": element,
        "type": kind,
        "exchangeCorrelation": {"approximation": approximation, "functional": functional},
        "filename": filename,
    }


# As Debian's files are described (pseudopotentials.scan), in no particular order.
DOCUMENTS = (
    pseudo("Si.rel-pbe-rrkj.UPF", "Si", "nc-fr", "pbe"),
    pseudo("Si.pz-vbc.UPF", "Si", "nc", "pz"),
    pseudo("Si_r.upf", "Si", "nc-fr", "pbe"),
    pseudo("Si.pbe-rrkj.UPF", "Si", "nc", "pbe"),
    pseudo("Si.pbe-nl-rrkjus_psl.1.0.0.UPF", "Si", "us", "pbe"),
    pseudo("C.pbe-van_bm.UPF", "C", "us", "pbe"),
    pseudo("C.pz-rrkjus.UPF", "C", "us", "pz"),
    pseudo("C.pbe-rrkjus.UPF", "C", "us", "pbe"),
    pseudo("C.tpss-mt.UPF", "C", "nc", "tpss"),
    pseudo("C.pbe-mt_gipaw.UPF", "C", "nc", "pbe"),
    pseudo("Fe.rel-pbe-spn-rrkjus_psl.0.2.1.UPF", "Fe", "us", "pbe"),
    pseudo("Fe.pbe-spn-rrkjus_psl.0.2.1.UPF", "Fe", "us", "pbe"),
    pseudo("Fe.pbesol-spn-kjpaw_psl.1.0.0.UPF", "Fe", "paw", "pbesol"),
    pseudo("Pt.rel-pbe-n-rrkjus.UPF", "Pt", "us", "pbe"),
    pseudo("Pt.pz-n-rrkjus.UPF", "Pt", "us", "pz"),  # not in Debian's folder: a scalar-relativistic LDA file
    pseudo("H.coulomb-ae.UPF", "H", "coulomb", "pbe"),
    pseudo("H.pbe-kjpaw.UPF", "H", "paw", "pbe"),
    pseudo("Li.pbesol-s-kjpaw_psl.0.2.1.UPF", "Li", "paw", "pbesol"),
    pseudo("Mg.pz-n-vbc.UPF", "Mg", "nc", "pz"),
)
REGISTRY = Registry(FOLDER, DOCUMENTS)


def model(functional: object = "pbe", kind: str = "us", approximation: str = "gga", **more: object) -> dict:
    """A workflow's model, as mat3ra-standata's Quantum ESPRESSO workflows have it."""
    return {
        "type": "dft",
        "subtype": approximation,
        "method": {"type": "pseudopotential", "subtype": kind, "data": {}},
        "functional": functional,
        **more,
    }


def files(elements: list[str], wanted: dict, documents: tuple[dict, ...] = DOCUMENTS) -> dict[str, str]:
    chosen = choose(elements, wanted, Registry(FOLDER, documents))
    return {element: found["filename"] for element, found in chosen.items()}


def test_the_standard_workflow_gets_the_pbe_ultrasoft_files() -> None:
    # C has two: the file name settles it, the same way every time.
    assert files(["Si", "C"], model()) == {"Si": "Si.pbe-nl-rrkjus_psl.1.0.0.UPF", "C": "C.pbe-rrkjus.UPF"}


def test_the_functional_may_be_a_slug_or_an_object_with_one() -> None:
    assert files(["Si", "C"], model({"slug": "pbe", "name": "PBE"})) == files(["Si", "C"], model("pbe"))


def test_the_same_functional_and_type_come_first_and_scalar_relativistic_before_fully() -> None:
    # Si has three PBE norm-conserving files; two are fully relativistic (one says so only by its type).
    assert files(["Si"], model(kind="nc")) == {"Si": "Si.pbe-rrkj.UPF"}
    assert files(["Fe"], model()) == {"Fe": "Fe.pbe-spn-rrkjus_psl.0.2.1.UPF"}  # not Fe.rel-pbe-...


def test_then_the_same_functional_of_another_type() -> None:
    assert files(["Si", "C"], model(kind="paw")) == {"Si": "Si.pbe-nl-rrkjus_psl.1.0.0.UPF", "C": "C.pbe-mt_gipaw.UPF"}
    # PBE beats a scalar-relativistic file of another functional: pw.x averages the fully relativistic one.
    assert files(["Pt"], model()) == {"Pt": "Pt.rel-pbe-n-rrkjus.UPF"}
    # A bare Coulomb potential only when nothing else of the functional is there.
    assert files(["H"], model(kind="nc")) == {"H": "H.pbe-kjpaw.UPF"}


def test_then_the_same_approximation_then_anything_for_the_element() -> None:
    assert files(["Li"], model()) == {"Li": "Li.pbesol-s-kjpaw_psl.0.2.1.UPF"}  # GGA, though PBEsol
    assert files(["Si", "C"], model("pw", kind="nc", approximation="lda")) == {
        "Si": "Si.pz-vbc.UPF",
        "C": "C.pz-rrkjus.UPF",
    }
    # A hybrid's functional is in no file: the wanted type still counts, then the name.
    assert files(["Si", "Mg"], model("hse06", approximation="hybrid")) == {
        "Si": "Si.pbe-nl-rrkjus_psl.1.0.0.UPF",
        "Mg": "Mg.pz-n-vbc.UPF",
    }
    assert files(["C"], model(None, kind="nc", approximation="unknown")) == {"C": "C.pbe-mt_gipaw.UPF"}


def test_fully_relativistic_files_when_the_model_asks_for_them() -> None:
    assert files(["Si"], model(kind="nc-fr")) == {"Si": "Si.rel-pbe-rrkj.UPF"}
    assert files(["Si"], model(kind="nc", spinOrbitCoupling=True)) == {"Si": "Si.rel-pbe-rrkj.UPF"}
    assert files(["Fe"], model(spinOrbitCoupling=True)) == {"Fe": "Fe.rel-pbe-spn-rrkjus_psl.0.2.1.UPF"}


def test_the_choice_does_not_depend_on_the_order_of_the_registry() -> None:
    elements = ["Si", "C", "Fe", "Pt", "H", "Li", "Mg"]
    for wanted in (model(), model(kind="nc"), model("pz", kind="nc", approximation="lda"), model(kind="nc-fr")):
        assert files(elements, wanted) == files(elements, wanted, DOCUMENTS[::-1])


def test_an_element_without_any_file_is_refused_naming_it_and_the_folder() -> None:
    with pytest.raises(BadInput) as refused:
        choose(["Si", "Xe"], model(), REGISTRY)
    assert refused.value.message == "no pseudopotential for element Xe in the registry (/registry)"


def test_each_element_once_and_none_for_no_elements() -> None:
    assert list(choose(["C", "Si", "C"], model(), REGISTRY)) == ["C", "Si"]
    assert choose([], model(), Registry(FOLDER)) == {}


# -- a job's run context ------------------------------------------------------------------------


def job(workflow: dict, named: list[dict] | None = None) -> dict:
    body: dict = {"workflow": workflow, "compute": {"nodes": 1, "ppn": 1}}
    if named is not None:
        body["model"] = {"method": {"data": {"pseudo": named}}}
    return body


def material(*elements: str) -> dict:
    return {"basis": {"elements": [{"id": i, "value": element} for i, element in enumerate(elements)]}}


def standard_workflow() -> dict:
    return copy.deepcopy(bank("workflow")[DEFAULT_WORKFLOW])


def test_a_job_naming_no_pseudopotential_runs_with_the_chosen_ones() -> None:
    context = run_context(job(standard_workflow()), material("Si", "C", "Si"), REGISTRY)
    assert [p["filename"] for p in context.pseudopotentials] == ["Si.pbe-nl-rrkjus_psl.1.0.0.UPF", "C.pbe-rrkjus.UPF"]
    assert context.chosen == context.pseudopotentials


def test_the_pseudopotentials_a_job_names_win() -> None:
    named = next(p for p in DOCUMENTS if p["filename"] == "Si.pz-vbc.UPF")
    context = run_context(job(standard_workflow(), [named]), material("Si", "C"), REGISTRY)
    assert [p["filename"] for p in context.pseudopotentials] == ["Si.pz-vbc.UPF", "C.pbe-rrkjus.UPF"]
    assert [p["filename"] for p in context.chosen] == ["C.pbe-rrkjus.UPF"]


def test_nothing_is_chosen_for_a_workflow_whose_model_takes_no_pseudopotentials() -> None:
    shell = copy.deepcopy(bank("workflow")["shell/hello_world.json"])
    assert pseudopotential_model(shell) is None
    context = run_context(job(shell), material("Xe"), REGISTRY)
    assert context.pseudopotentials == () and context.chosen == ()
    assert run_context(job(standard_workflow()), None, REGISTRY).chosen == ()


def test_a_job_whose_material_has_an_element_the_registry_lacks_is_refused() -> None:
    with pytest.raises(BadInput, match="no pseudopotential for element Xe in the registry"):
        run_context(job(standard_workflow()), material("Si", "Xe"), REGISTRY)


def test_the_workflow_shows_the_pseudopotentials_in_each_subworkflow_that_takes_them() -> None:
    workflow = {
        "name": "two steps",
        "subworkflows": [
            {"_id": "a", "model": model(), "units": []},
            {"_id": "b", "model": {"type": "unknown", "method": {"type": "unknown", "data": {}}}, "units": []},
            {"_id": "c", "model": model("hse06", approximation="hybrid"), "units": []},
        ],
    }
    before = copy.deepcopy(workflow)
    chosen = tuple(choose(["Si"], model(), REGISTRY).values())
    shown = with_pseudopotentials(workflow, chosen)
    assert workflow == before  # the job's document is not changed in place
    pseudo = [sub["model"]["method"]["data"].get("pseudo") for sub in shown["subworkflows"]]
    assert pseudo == [list(chosen), None, list(chosen)]
    assert shown["subworkflows"][1] is workflow["subworkflows"][1]
    assert pseudopotential_model(workflow) == model()


@pytest.mark.usefixtures("espresso_data")
def test_debians_folder_under_the_standard_workflow() -> None:
    debian = Registry(DEBIAN_PSEUDO_DIR, tuple(registry(DEBIAN_PSEUDO_DIR)))
    standard = pseudopotential_model(standard_workflow())
    assert standard is not None
    chosen = {element: found["filename"] for element, found in choose(["Si", "C"], standard, debian).items()}
    assert chosen == {"Si": "Si.pbe-nl-rrkjus_psl.1.0.0.UPF", "C": "C.pbe-rrkjus.UPF"}
    # Every element of the folder gets a file; a fully relativistic one only where no other of its functional is.
    elements = sorted({found["element"] for found in debian.documents})
    for element, found in choose(elements, standard, debian).items():
        others = [
            d
            for d in debian.documents
            if d["element"] == element
            and d["exchangeCorrelation"] == found["exchangeCorrelation"]
            and not fully_relativistic(d)
        ]
        assert not fully_relativistic(found) or not others, (element, found["filename"])
