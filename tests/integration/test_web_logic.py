"""The web app's pure functions (the jobs filter's selector, a new job's body, the flowchart's
layout, the structure's CIF, SCF cycles from live events, plot series), run in Chromium on the
modules as served, with no API call: the decisions the pages make, table-driven."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.servers import LiveServer


@pytest.fixture(scope="module")
def modules(chromium: Any, server: LiveServer) -> Iterator[Any]:
    """A page of the shell (for its import map), logged out: nothing but the modules runs."""
    page = chromium.new_page()
    page.goto(f"{server.url}/#/login")
    page.wait_for_selector("input[name=username]")
    yield page
    page.close()


def call(page: Any, module: str, function: str, *arguments: Any) -> Any:
    script = f"async (args) => (await import('/static/js/{module}')).{function}(...args)"
    return page.evaluate(script, list(arguments))


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({}, None),
        ({"status": "active"}, {"status": "active"}),
        ({"text": " a.b (1+1) "}, {"name": {"$regex": r"a\.b \(1\+1\)", "$options": "i"}}),
        (
            {"status": "finished", "project": "P", "query": '{"compute.ppn": {"$gte": 2}}'},
            {"$and": [{"compute.ppn": {"$gte": 2}}, {"status": "finished"}, {"_project._id": "P"}]},
        ),
    ],
)
def test_the_jobs_filters_make_one_selector(modules: Any, filters: dict, expected: Any) -> None:
    assert call(modules, "pages/jobs.js", "selector", filters) == expected


@pytest.mark.parametrize(("query", "message"), [("{", "the query is not JSON"), ("[1]", "must be a JSON object")])
def test_a_query_that_is_no_json_object_is_refused_before_any_call(modules: Any, query: str, message: str) -> None:
    script = f"""async () => {{
        const {{ selector }} = await import('/static/js/pages/jobs.js');
        try {{ selector({{ query: {json.dumps(query)} }}); return null; }} catch (error) {{ return error.message; }}
    }}"""
    assert message in modules.evaluate(script)


def test_a_new_jobs_body_names_k_points_only_when_all_three_are_given(modules: Any) -> None:
    form = {"name": " Si ", "cluster": "local", "queue": "D", "cores": "2", "timeLimit": "00:30:00"}
    body = call(modules, "pages/new-job.js", "jobBody", {**form, "kx": "3", "ky": "3", "kz": "3"}, "M", "W")
    assert body == {
        "name": "Si",
        "_material": {"_id": "M"},
        "workflow": {"_id": "W"},
        "compute": {"cluster": {"fqdn": "local"}, "queue": "D", "nodes": 1, "ppn": 2, "timeLimit": "00:30:00"},
        "model": {"method": {"precision": {"kpoints": {"value": {"x": 3, "y": 3, "z": 3}}}}},
    }
    partial = call(modules, "pages/new-job.js", "jobBody", {**form, "kx": "3", "ky": "", "kz": "3"}, "M", "W")
    assert "model" not in partial
    assert call(modules, "pages/new-job.js", "formatOf", "si.CIF") == "cif"
    assert call(modules, "pages/new-job.js", "formatOf", "POSCAR") == "poscar"


def test_the_flowchart_follows_next_and_labels_a_conditions_branches(modules: Any) -> None:
    units = [
        {"flowchartId": "c", "name": "check", "type": "condition", "then": "d", "else": "a", "statement": "x > 1"},
        {"flowchartId": "a", "name": "start", "type": "assignment", "head": True, "next": "b"},
        {"flowchartId": "d", "name": "done", "type": "assignment"},
        {"flowchartId": "b", "name": "run", "type": "execution", "next": "c", "status": "active"},
    ]
    workflow = {
        "units": [{"type": "subworkflow", "_id": "s", "flowchartId": "top", "name": "loop"}],
        "subworkflows": [{"_id": "s", "name": "loop", "units": units}],
    }
    shape = call(modules, "flowchart.js", "layout", workflow)
    assert [box["name"] for box in shape["boxes"]] == ["start", "run", "check", "done"]
    names = [box["name"] for box in shape["boxes"]]
    edges = {(names[edge["from"]], names[edge["to"]], edge["label"]) for edge in shape["edges"]}
    assert edges == {("start", "run", ""), ("run", "check", ""), ("check", "done", "then"), ("check", "start", "else")}
    svg = call(modules, "flowchart.js", "svg", shape, {"d": "finished"})
    assert 'data-unit="b" data-status="active"' in svg and 'data-unit="d" data-status="finished"' in svg


def test_a_cartesian_basis_becomes_fractional_in_the_cif(modules: Any) -> None:
    material = {
        "name": "NaCl",
        "lattice": {"a": 4.0, "b": 4.0, "c": 4.0, "alpha": 90, "beta": 90, "gamma": 90},
        "basis": {
            "units": "cartesian",
            "elements": [{"id": 0, "value": "Na"}, {"id": 1, "value": "Cl"}],
            "coordinates": [{"id": 0, "value": [0, 0, 0]}, {"id": 1, "value": [2, 2, 2]}],
        },
    }
    cif = call(modules, "structure.js", "cif", material)
    assert "_cell_length_a 4.000000" in cif and "_cell_angle_gamma 90.0000" in cif
    assert "Cl2 Cl 0.500000 0.500000 0.500000" in cif
    fcc = {"a": 3.867, "b": 3.867, "c": 3.867, "alpha": 60, "beta": 60, "gamma": 60}
    vectors = call(modules, "structure.js", "cellVectors", fcc)
    assert all(abs(sum(x * x for x in vector) ** 0.5 - 3.867) < 1e-9 for vector in vectors)


def test_live_scf_iterations_start_a_new_cycle_when_the_count_starts_again(modules: Any) -> None:
    script = """async () => {
        const { addIteration } = await import('/static/js/pages/job.js');
        const cycles = [];
        const event = (file, iteration, accuracy) => ({ unitId: "u", file, iteration, accuracy, energy: -1 });
        const seen = [["pw_scf.out", 1], ["pw_scf.out", 2], ["pw_scf.out", 1], ["pw_relax.out", 1]];
        for (const [file, iteration] of seen) {
            addIteration(cycles, event(file, iteration, 10 ** -iteration), "unit");
        }
        return cycles.map((cycle) => [cycle.label, cycle.accuracies.length]);
    }"""
    assert modules.evaluate(script) == [["pw_scf", 2], ["pw_scf (2)", 1], ["pw_relax", 1]]


def test_a_band_structure_is_plotted_along_its_path_and_a_dos_with_its_legend(modules: Any) -> None:
    bands = {
        "name": "band_structure",
        "xDataArray": [[0, 0, 0], [0.5, 0, 0], [0.5, 0.5, 0]],
        "yDataSeries": [[-1, 0, 1], [2, 3, 4]],
        "yAxis": {"label": "energy", "units": "eV"},
    }
    series = call(modules, "plots.js", "propertySeries", bands)
    assert [point["x"] for point in series["datasets"][0]["data"]] == [0, 0.5, 1.0]
    assert series["legend"] is False and series["yLabel"] == "energy (eV)"
    dos = {
        "name": "density_of_states",
        "xDataArray": [[-1, 0, 1]],
        "yDataSeries": [[0, 1, 0], [0, 0.5, 0]],
        "legend": [{}, {"element": "Si", "electronicState": "3s"}],
    }
    series = call(modules, "plots.js", "propertySeries", dos)
    assert [dataset["label"] for dataset in series["datasets"]] == ["total", "Si 3s"]
    assert series["datasets"][1]["data"][1] == {"x": 0, "y": 0.5}
