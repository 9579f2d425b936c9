"""The python application's pure parts: requirements.txt read and checked against what a python3
has, its units' files rendered, and what collecting makes of the marker and the declared files."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from mat3ra.standata.workflows import WorkflowStandata

from matjobs.applications.base import RunContext
from matjobs.applications.python import Python, global_values, marker_name, stdout_name
from matjobs.applications.python_requirements import problem, requirement, satisfies, unmet
from matjobs.documents.property import check_property


@pytest.mark.parametrize(
    ("line", "parsed"),
    [
        ("numpy", ("numpy", ())),
        ("numpy<2", ("numpy", (("<", "2"),))),
        ("munch>=3.0.0  # for settings", ("munch", ((">=", "3.0.0"),))),
        ("scipy >=1.5.4, <2", ("scipy", ((">=", "1.5.4"), ("<", "2")))),
        ("mat3ra-made[tools]==2026.4.2.post1", ("mat3ra-made", (("==", "2026.4.2.post1"),))),
        ('pandas; python_version >= "3.8"', ("pandas", ())),
        ("torch @ https://example.org/torch.whl", ("torch", ())),
        ("# a comment", None),
        ("", None),
        ("--extra-index-url https://download.pytorch.org/whl/cu128", None),
        ("-r other.txt", None),
    ],
)
def test_a_requirements_line_is_read_as_a_name_and_its_pins(line: str, parsed: object) -> None:
    assert requirement(line) == parsed


@pytest.mark.parametrize(
    ("have", "operator", "wanted", "met"),
    [
        ("1.24.2", "<", "2", True),
        ("2.1.0", "<", "2", False),
        ("1.19.5", ">=", "1.19.5", True),
        ("1.10.1", ">=", "1.9", True),  # numbers, not text: 10 > 9
        ("1.9", ">=", "1.10", False),
        ("2.7.0+cu128", "==", "2.7.0", True),
        ("3.23.0", "==", "3.23", True),
        ("1.4.2", "==", "1.4.*", True),
        ("1.5.0", "==", "1.4.*", False),
        ("1.4.5", "~=", "1.4.2", True),
        ("1.5.0", "~=", "1.4.2", False),
        ("1.0", "!=", "1.0.0", False),
        ("1.0", "===", "1.0", True),
        ("1.0", "===", "1.0.0", False),
    ],
)
def test_a_version_is_compared_with_a_pin_by_its_release_numbers(
    have: str, operator: str, wanted: str, met: bool
) -> None:
    assert satisfies(have, operator, wanted) is met


MACHINE = {"numpy": "1.24.2", "scipy": "1.10.1", "six": ""}


def test_every_requirement_the_machine_does_not_meet_is_named_with_what_it_has() -> None:
    lines = ["# processing", "numpy>=1.19.5", "scipy>=1.5.4", "munch>=3.0.0", "matplotlib"]
    assert unmet(lines, MACHINE.get) == [("munch>=3.0.0", None), ("matplotlib", None)]
    assert unmet(["numpy<1.20"], MACHINE.get) == [("numpy<1.20", "1.24.2")]
    assert unmet(["numpy<2", "scipy", "six"], MACHINE.get) == []
    # A module without metadata meets a bare name, but no pin: its version cannot be told.
    assert unmet(["six>=1.0"], MACHINE.get) == [("six>=1.0", "")]


def test_the_problem_names_the_packages_and_the_cluster() -> None:
    assert problem([("pymatgen", None)], "local") == (
        "needs the Python package 'pymatgen', which python3 on cluster local lacks"
    )
    assert problem([("numpy<2", "2.1.0"), ("munch", None)], "hpc") == (
        "needs the Python packages 'numpy<2' and 'munch', which python3 on cluster hpc lacks (it has numpy 2.1.0)"
    )
    assert problem([("a", None), ("b", None), ("c", None)], "x").startswith(
        "needs the Python packages 'a', 'b' and 'c',"
    )


def python_unit(script: str, requirements: str | None, results: list | None = None) -> dict:
    workflow = copy.deepcopy(WorkflowStandata.get_by_name_first_match("python_script"))
    unit = workflow["subworkflows"][0]["units"][0]
    unit["input"][0]["template"]["content"] = script
    if requirements is None:
        unit["input"] = unit["input"][:1]
    else:
        unit["input"][1]["template"]["content"] = requirements
    unit["results"] = results or []
    return unit


def test_prepare_renders_the_files_and_runs_the_check_before_the_script(tmp_path: Path) -> None:
    unit = python_unit("print('{{ mlSettings.problem_category }}')\n", "numpy<2\n")
    command = Python().prepare(unit, tmp_path, RunContext(cluster="local"))
    assert (tmp_path / "script.py").read_text() == "print('regression')\n"
    assert (tmp_path / "requirements.txt").read_text() == "numpy<2\n"
    assert command[:2] == ["sh", "-c"] and "python3 -c" in command[2]
    assert command[5:] == ["requirements.txt", marker_name(unit), "local", unit["name"], "script.py", stdout_name(unit)]


def test_a_unit_without_requirements_runs_its_script_unchecked(tmp_path: Path) -> None:
    unit = python_unit("print(1)\n", None)
    command = Python().prepare(unit, tmp_path, RunContext(cluster="local"))
    assert "python3 -c" not in command[2] and command[4:] == ["script.py", stdout_name(unit)]


def test_preparing_again_forgets_a_marker_of_an_earlier_run(tmp_path: Path) -> None:
    unit = python_unit("print(1)\n", "numpy\n")
    (tmp_path / marker_name(unit)).write_text(
        "needs the Python package 'numpy', which python3 on cluster local lacks\n"
    )
    Python().prepare(unit, tmp_path, RunContext(cluster="local"))
    assert Python().collect(unit, tmp_path).problem is None


def test_collect_returns_the_check_s_problem(tmp_path: Path) -> None:
    unit = python_unit("print(1)\n", "pymatgen\n")
    (tmp_path / marker_name(unit)).write_text(
        "needs the Python package 'pymatgen', which python3 on cluster local lacks\n"
    )
    collected = Python().collect(unit, tmp_path)
    assert collected.problem == "needs the Python package 'pymatgen', which python3 on cluster local lacks"
    assert collected.properties == ()


def test_declared_files_the_script_wrote_are_file_content_properties(tmp_path: Path) -> None:
    results = [
        {"name": "file_content", "basename": "plot.png", "filetype": "image"},
        {"name": "file_content", "basename": "never-written.txt", "filetype": "text"},
        {"name": "workflow:pyml_predict"},
    ]
    unit = python_unit("print(1)\n", None, results)
    (tmp_path / "plot.png").write_bytes(b"\x89PNG....")
    properties = Python().collect(unit, tmp_path).properties
    assert [(item["basename"], item["filetype"], item["objectData"]["SIZE"]) for item in properties] == [
        ("plot.png", "image", 8)
    ]
    check_property(properties[0])


def test_units_of_one_job_keep_their_output_apart() -> None:
    first, second = python_unit("print(1)\n", None), python_unit("print(2)\n", None)
    second["flowchartId"] = "python-find-extrema/../semiconductor"
    assert stdout_name(first) != stdout_name(second) and "/" not in stdout_name(second)


@pytest.mark.parametrize(
    ("stdout", "found"),
    [
        (
            '{"name": "KPOINTS", "value": [{"coordinates": [0, 0, 0], "weight": 1.0}], "scope": "global"}',
            {"KPOINTS": [{"coordinates": [0, 0, 0], "weight": 1.0}]},
        ),
        ('{"name": "KPOINTS", "value": 1}', {}),  # not for the global scope
        ("Hello world!", {}),
        ("[1, 2]", {}),
    ],
)
def test_a_python_unit_sets_a_global_value_by_printing_it_as_json(stdout: str, found: dict) -> None:
    assert global_values(stdout) == found
