"""The jobs CLI's pure decisions: where its connection comes from, the list's selector, the rows
it shows, which bank workflow a name means, which files are a job's output, and exit codes."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from matjobs.client import config
from matjobs.client.config import Connection, Given
from matjobs.client.views import (
    exit_code,
    job_row,
    key_results,
    output_names,
    pick_workflow,
    selector,
    size,
    structure_format,
    units,
)
from matjobs.client.watching import Watched

OPTIONS = Given("http://options:1", "option-token", "option-user")
ENV = Given("http://env:2", "env-token", "env-user")
SAVED = Given("http://saved:3", "saved-token", "saved-user")


@pytest.mark.parametrize(
    ("options", "env", "saved", "expected"),
    [
        (OPTIONS, ENV, SAVED, Connection("http://options:1", "option-token", "option-user")),
        (Given(), ENV, SAVED, Connection("http://env:2", "env-token", "env-user")),
        (Given(), Given(), SAVED, Connection("http://saved:3", "saved-token", "saved-user")),
        (Given(), Given(), Given(), Connection(config.DEFAULT_SERVER)),
        # The server and the credentials are chosen apart: a --server with the saved token.
        (Given(server="http://other:4/"), Given(), SAVED, Connection("http://other:4", "saved-token", "saved-user")),
        # A token goes with its own source's user id, never another's.
        (Given(token="bare"), ENV, SAVED, Connection("http://env:2", "bare", None)),
        (Given(), Given(user_id="env-user"), SAVED, Connection("http://saved:3", "saved-token", "saved-user")),
    ],
)
def test_each_setting_comes_from_the_first_source_that_gives_it(
    options: Given, env: Given, saved: Given, expected: Connection
) -> None:
    assert config.resolve(options, env, saved) == expected


def test_a_user_id_option_without_a_token_is_refused() -> None:
    with pytest.raises(ValueError, match="--user-id goes with --token"):
        config.resolve(Given(user_id="u"), ENV, SAVED)


def test_a_token_without_a_user_id_is_sent_as_a_bearer_token() -> None:
    assert Connection("http://s", "t").headers() == {"Authorization": "Bearer t"}
    assert Connection("http://s", "t", "u").headers() == {"X-Auth-Token": "t", "X-User-Id": "u"}
    assert Connection("http://s").headers() == {}


def test_the_environment_names_the_file_and_the_settings() -> None:
    assert config.config_path({"MATJOBS_CLIENT_CONFIG": "/x/c.toml", "HOME": "/h"}) == Path("/x/c.toml")
    assert config.config_path({"HOME": "/h"}) == Path("/h/.config/matjobs/client.toml")
    assert config.config_path({"HOME": "/h", "XDG_CONFIG_HOME": "/x"}) == Path("/x/matjobs/client.toml")
    env = {"MATJOBS_SERVER": "http://e", "MATJOBS_TOKEN": "t", "MATJOBS_USER_ID": "", "OTHER": "x"}
    assert config.from_env(env) == Given("http://e", "t", None)


def test_the_login_file_is_its_owners_alone_and_reads_back(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "client.toml"
    saved = Connection("http://127.0.0.1:8000", 'to"ken\\é', "user")
    config.save(path, saved)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config.load(path) == Given(saved.server, saved.token, saved.user_id)
    config.save(path, Connection("http://other", "second", "user2"))  # replaced whole
    assert config.load(path) == Given("http://other", "second", "user2")
    assert sorted(item.name for item in path.parent.iterdir()) == ["client.toml"]


def test_a_missing_login_file_says_nothing_and_a_broken_one_says_where(tmp_path: Path) -> None:
    assert config.load(tmp_path / "none.toml") == Given()
    broken = tmp_path / "broken.toml"
    broken.write_text("server = [unclosed\n")
    with pytest.raises(ValueError, match="broken.toml is not valid TOML"):
        config.load(broken)


def test_the_list_filters_become_one_selector_that_all_must_match() -> None:
    assert selector(status=[], project_id=None, query=None, name=None) is None
    assert selector(status=["finished"], project_id=None, query=None, name=None) == {"status": "finished"}
    both = selector(status=["error", "timeout"], project_id="P1", query='{"compute.ppn": 4}', name="Si (bulk)")
    assert both == {
        "$and": [
            {"compute.ppn": 4},
            {"status": {"$in": ["error", "timeout"]}},
            {"_project._id": "P1"},
            {"name": {"$regex": r"Si\ \(bulk\)", "$options": "i"}},
        ]
    }


@pytest.mark.parametrize(("query", "said"), [("{not json", "--query is not JSON"), ("[1]", "a JSON object")])
def test_a_query_that_is_not_a_selector_is_refused(query: str, said: str) -> None:
    with pytest.raises(ValueError, match=said):
        selector(status=[], project_id=None, query=query, name=None)


JOB = {
    "_id": "J1",
    "name": "Si bands",
    "status": "active",
    "compute": {"cluster": {"fqdn": "local"}},
    "createdAt": "2026-11-28T12:34:56.789Z",
    "workflow": {
        "subworkflows": [
            {
                "units": [
                    {"flowchartId": "u1", "name": "pw_scf", "status": "finished", "input": [{"name": "pw_scf.in"}]},
                    {"flowchartId": "u2", "name": "pw_bands", "input": [{"template": {"name": "pw_bands.in"}}]},
                ]
            },
            {"units": [{"flowchartId": "u3", "name": "bands", "status": "idle", "input": [{"name": "bands.in"}]}]},
        ]
    },
}


def test_a_jobs_row_and_its_units_in_the_workflows_order() -> None:
    assert job_row(JOB) == ("J1", "Si bands", "active", "local", "2026-11-28 12:34")
    assert job_row({"_id": "J2"}) == ("J2", "", "", "", "")
    assert [(unit["name"], unit["status"]) for unit in units(JOB)] == [
        ("pw_scf", "finished"),
        ("pw_bands", "idle"),
        ("bands", "idle"),
    ]


def test_a_jobs_output_is_its_units_files_in_order_then_its_own() -> None:
    present = ["job.err", "bands.out", "job.out", "pw_scf.out", "pw_scf.in", "other.out"]
    assert output_names(JOB, present) == ["pw_scf.out", "bands.out", "job.out", "job.err"]
    assert output_names({}, ["job.out"]) == ["job.out"]


def test_key_results_lead_with_the_energy_and_gaps_and_only_name_arrays() -> None:
    properties = [
        {"data": {"name": "stress_tensor", "value": [[1, 0, 0], [0, 1, 0], [0, 0, 1]]}},
        {"data": {"name": "pressure", "value": 97.08, "units": "kbar"}},
        {"data": {"name": "band_gaps", "values": [{"type": "direct", "value": 2.43706, "units": "eV"}]}},
        {"data": {"name": "band_structure", "xDataArray": [[0, 0, 0]]}},
        {"data": {"name": "total_energy", "value": -215.123456789, "units": "eV"}},
        {"nothing": True},
    ]
    assert key_results(properties) == [
        ("total_energy", "-215.1234568 eV"),
        ("band_gaps", "direct 2.437 eV"),
        ("pressure", "97.08 kbar"),
        ("also", "stress_tensor, band_structure"),
    ]


def workflow(workflow_id: str, *applications: str) -> dict:
    return {"_id": workflow_id, "subworkflows": [{"application": {"name": name}} for name in applications]}


def test_of_the_banks_workflows_sharing_a_name_the_applications_one_is_used() -> None:
    espresso, vasp = workflow("W1", "espresso"), workflow("W2", "vasp")
    assert pick_workflow([], "espresso") is None
    assert pick_workflow([vasp], "espresso") == vasp  # the only one of that name
    assert pick_workflow([vasp, espresso], "espresso") == espresso
    assert pick_workflow([vasp, espresso], "vasp") == vasp
    with pytest.raises(ValueError, match=r"2 of the bank's workflows have that name: W1 \(espresso\); W2 \(vasp\)"):
        pick_workflow([espresso, vasp], "nwchem")


@pytest.mark.parametrize(
    ("name", "expected"),
    [("si.cif", "cif"), ("Si.CIF", "cif"), ("POSCAR", "poscar"), ("CONTCAR_relaxed", "poscar"), ("x.vasp", "poscar")],
)
def test_a_structure_files_format_by_its_name(name: str, expected: str) -> None:
    assert structure_format(Path(name)) == expected


def test_a_structure_file_of_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="name a .cif file or a POSCAR"):
        structure_format(Path("si.xyz"))


def test_sizes_read_as_people_read_them() -> None:
    assert [size(n) for n in (0, 1023, 1024, 1536, 5 * 1024**2, 3 * 1024**4)] == [
        "0 B",
        "1023 B",
        "1.0 KiB",
        "1.5 KiB",
        "5.0 MiB",
        "3072.0 GiB",
    ]
    assert size(None) == ""


@pytest.mark.parametrize(
    ("statuses", "code"),
    [
        (["finished"], 0),
        (["error"], 3),
        (["timeout"], 4),
        (["terminated"], 5),
        (["finished", "finished"], 0),
        (["finished", "terminated", "error"], 3),
        (["terminated", "timeout"], 4),
    ],
)
def test_watch_exits_with_the_most_telling_final_status(statuses: list[str], code: int) -> None:
    assert exit_code(statuses) == code


def test_an_exit_code_needs_a_final_status() -> None:
    with pytest.raises(ValueError, match="no final status"):
        exit_code(["active"])


def test_watching_folds_events_into_statuses_progress_and_scf_convergence() -> None:
    watched = Watched.of(JOB)
    assert (watched.status, watched.progress(), watched.final) == ("active", (1, 3), False)
    assert watched.apply("unit.status", {"jobId": "J1", "unitId": "u2", "name": "pw_bands", "status": "active"}) == (
        "J1 unit pw_bands: active (1/3 finished)"
    )
    assert watched.apply("unit.status", {"unitId": "u2", "status": "active"}) is None  # nothing new
    first = watched.apply("scf.iteration", {"unitId": "u2", "iteration": 1, "energy": -215.5, "accuracy": 0.01})
    watched.apply("scf.iteration", {"unitId": "u2", "iteration": 2, "energy": -215.75, "accuracy": 1e-4})
    assert first == "J1 pw_bands scf #1: -215.50000000 eV, accuracy 0.01"
    scf = watched.scf["u2"]
    assert (scf.iteration, scf.energy, scf.accuracy, scf.energies) == (2, -215.75, 1e-4, [-215.5, -215.75])
    assert watched.apply("ionic.step", {"unitId": "u2", "step": 3, "energy": -215.8}) == (
        "J1 pw_bands ionic step 3: -215.80000000 eV"
    )
    assert watched.apply("scf.iteration", {"unitId": "u2", "energy": "NaN?"}) is None
    # pw_scf.out's last iteration, read once pw_bands had started, is still pw_scf's.
    late = {"unitId": "u2", "file": "pw_scf.out", "iteration": 9, "energy": -215.9, "accuracy": 1e-6}
    assert watched.apply("scf.iteration", late) == "J1 pw_scf scf #9: -215.90000000 eV, accuracy 1e-06"
    assert (watched.scf["u1"].iteration, watched.scf["u2"].iteration) == (9, 2)
    assert watched.apply("job.status", {"status": "finished", "previous": "active"}) == "J1 Si bands: finished"
    assert watched.final
    assert watched.apply("something.new", {"status": "x"}) is None
