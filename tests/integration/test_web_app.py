"""The web app at `/`, used as a person uses it: Debian's headless Chromium, driven by Playwright,
against a live server whose runner runs the jobs on the local cluster.

A person logs in, creates and submits the bank's Si total-energy job, watches its badge reach
`finished` without a reload, opens it (the SCF plot and the 3D structure drawn), reads `pw_scf.out`
from its files, and terminates a sleeping shell job from the list. Every page is photographed at a
desktop's and a phone's size into tests/artifacts/screenshots/ (git-ignored), must not overflow a
phone's width, and no page may log a console error.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image

from matjobs.store import Store
from tests.conftest import User, signed_up
from tests.helpers import Gate, shell_workflow, submit, wait_until
from tests.servers import LOCAL, LiveServer, serving_with_runner

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 740}
SCREENSHOTS = Path(__file__).resolve().parents[1] / "artifacts" / "screenshots"
EVENTS_PATH = "/api/v1/jobs/events"
EVENTS_URL = re.compile(r"/api/v1/jobs/(\w+/)?events(\?|$)")  # all the caller's jobs, or one


@pytest.fixture(scope="module")
def web_server(backend: Store, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A live server with a runner on the local cluster only (no SLURM: the app is what is tested)."""
    with serving_with_runner(backend, tmp_path_factory.mktemp("web-data"), [LOCAL]) as live:
        yield live


class Session:
    """A browser page logged in as `user`, with every console error and page error it saw."""

    def __init__(self, browser: Any, server: LiveServer, user: User, viewport: dict[str, int]) -> None:
        self.server = server
        self.context = browser.new_context(viewport=viewport)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.events_served = EVENTS_PATH in httpx.get(f"{server.url}/api/openapi.json").json()["paths"]
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        self.page.on("dialog", lambda dialog: dialog.accept())  # confirm() of terminate and delete
        self.user = user

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        where = (message.location or {}).get("url", "")
        # Until the events stream is served, the app falls back to polling: its 404 is expected then.
        if not self.events_served and EVENTS_URL.search(where) and "404" in message.text:
            return
        self.errors.append(f"{message.text} ({where})")

    def log_in(self) -> None:
        self.page.goto(f"{self.server.url}/")
        self.page.fill("input[name=username]", self.user.username)
        self.page.fill("input[name=password]", self.user.password)
        self.page.click("button[type=submit]")
        self.page.wait_for_selector("table.jobs-table")

    def go(self, hash_route: str) -> None:
        """Follow an in-app link, as a click does: no reload."""
        self.page.evaluate("(route) => { location.hash = route; }", hash_route)

    def badge(self, job_id: str) -> Any:
        return self.page.locator(f'tr[data-job-id="{job_id}"] .badge')

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def person(chromium: Any, web_server: LiveServer, backend: Store) -> Iterator[Session]:
    with signed_up(backend, web_server, "web") as user:
        session = Session(chromium, web_server, user, DESKTOP)
        try:
            yield session
        finally:
            session.close()


def drawn(element: Any) -> int:
    """How many colours an element shows on screen: a blank canvas shows one or two."""
    picture = Image.open(io.BytesIO(element.screenshot()))
    colours = picture.convert("RGB").getcolors(maxcolors=1 << 20)
    return len(colours or [])


def without_reload(page: Any) -> Any:
    """A marker in the page's window that a reload would lose."""
    page.evaluate("window.__notReloaded = true")
    return lambda: page.evaluate("window.__notReloaded === true")


@pytest.mark.usefixtures("once_over_sqlite", "pw_x", "espresso_data")
def test_a_person_runs_the_banks_si_total_energy_job_and_reads_its_results(person: Session) -> None:
    page = person.page
    person.log_in()
    still_loaded = without_reload(page)

    page.click("nav >> text=New job")
    page.wait_for_selector("select[name=workflow] option", state="attached")
    page.check("input[name=workflowSource][value=bank]")
    page.wait_for_selector("select[name=bankWorkflow] option:has-text('Total Energy (espresso)')", state="attached")
    page.select_option("select[name=bankWorkflow]", label="Total Energy (espresso)")
    assert "Si" in page.locator("select[name=material] option:checked").inner_text()
    page.fill("input[name=name]", "Si total energy from the web")
    page.click("button:has-text('Create and submit')")
    page.wait_for_url(re.compile(r"#/jobs/\w+$"))
    job_id = page.url.rsplit("/", 1)[1]

    page.click("nav >> text=Jobs")
    badge = person.badge(job_id)
    badge.wait_for()
    page.wait_for_selector(f'tr[data-job-id="{job_id}"] .badge[data-status="finished"]', timeout=180_000)
    assert still_loaded(), "the list was reloaded to show the new status"

    page.click(f'tr[data-job-id="{job_id}"] a')
    page.wait_for_selector('[data-property="total_energy"]')
    energy = float(page.locator('[data-property="total_energy"] td.number').inner_text())
    assert -300 < energy < -250  # eV: Si's two atoms with the standard pseudopotential
    scf = page.locator("[data-testid=scf-plot]")
    scf.wait_for()
    wait_until(lambda: drawn(scf) > 10, seconds=10, what="the SCF convergence plot is blank")
    structure = page.locator(".job [data-testid=structure] canvas")
    structure.wait_for()
    wait_until(lambda: drawn(structure) > 10, seconds=20, what="the 3D structure view is blank")
    assert page.locator("svg.flowchart .unit[data-status=finished]").count() == 1

    page.click("button[role=tab]:has-text('Files')")
    page.click('tr[data-file="pw_scf.out"] a:has-text("pw_scf.out")')
    text = page.locator("[data-testid=file-text]")
    text.wait_for()
    assert "!    total energy" in text.inner_text()
    assert still_loaded()
    assert person.errors == []

    photograph_every_page(person, job_id)


def test_a_person_reads_a_running_jobs_output_live_and_terminates_it_from_the_list(person: Session) -> None:
    gate = Gate()  # opened only once the page showed the first line: the second comes live
    job_id = submit(person.user, f"echo first-line-{gate.name}; {gate.wait}; echo second-line-{gate.name}; sleep 600")
    wait_until(
        lambda: person.user.http.get(f"/api/v1/jobs/{job_id}").json()["data"]["status"] == "active",
        what=f"job {job_id} never became active",
    )
    person.log_in()
    page = person.page
    still_loaded = without_reload(page)

    page.click(f'tr[data-job-id="{job_id}"] a')
    page.click("button[role=tab]:has-text('Output')")
    tail = page.locator("pre.tail")
    tail.filter(has_text=f"first-line-{gate.name}").wait_for()
    gate.open(person.user, job_id)
    tail.filter(has_text=f"second-line-{gate.name}").wait_for()

    page.click("nav >> text=Jobs")
    person.badge(job_id).wait_for()
    assert person.badge(job_id).get_attribute("data-status") == "active"
    page.click(f'tr[data-job-id="{job_id}"] button:has-text("Terminate")')
    page.wait_for_selector(f'tr[data-job-id="{job_id}"] .badge[data-status="terminated"]', timeout=60_000)
    assert still_loaded()
    assert person.user.http.get(f"/api/v1/jobs/{job_id}").json()["data"]["status"] == "terminated"
    assert person.errors == []


BANDS_AND_DOS = {"name": "Band Structure + Density of States", "subworkflows.application.name": "espresso"}
SMALL = [{"name": "cutoffs", "isEdited": True, "data": {"wavefunction": 20, "density": 160}, "extraData": {}}]


@pytest.mark.usefixtures("once_over_sqlite", "pw_x", "espresso_data")
def test_a_job_page_opened_while_it_runs_draws_its_band_structure_and_dos_when_it_ends(person: Session) -> None:
    """The README's worked example (Si, 20/160 Ry, 2x2x2 k), made through the API; the page opened
    right after the submit follows the run to its end and draws what it computed, without a reload."""
    http = person.user.http
    bank = http.get("/api/v1/bank-workflows", params={"query": json.dumps(BANDS_AND_DOS)}).json()["data"][0]
    workflow = http.post(f"/api/v1/bank-workflows/{bank['_id']}/copy").json()["data"]
    pw_units = [
        f"subworkflows.0.units.{index}.context"
        for index, unit in enumerate(workflow["subworkflows"][0]["units"])
        if unit.get("executable", {}).get("name") == "pw.x"
    ]
    assert http.patch(f"/api/v1/workflows/{workflow['_id']}", json=dict.fromkeys(pw_units, SMALL)).status_code == 200
    material = http.get("/api/v1/materials", params={"query": json.dumps({"isDefault": True})}).json()["data"][0]
    body = {
        "name": "Si bands and DOS",
        "_material": {"_id": material["_id"]},
        "workflow": {"_id": workflow["_id"]},
        "model": {"method": {"precision": {"kpoints": {"value": {"x": 2, "y": 2, "z": 2}}}}},
    }
    job_id = http.post("/api/v1/jobs", json=body).json()["data"]["_id"]
    assert http.post(f"/api/v1/jobs/{job_id}?submit=true").status_code == 200

    person.log_in()
    page = person.page
    still_loaded = without_reload(page)
    person.go(f"#/jobs/{job_id}")
    page.wait_for_selector('.job .badge.big[data-status="finished"]', timeout=180_000)
    assert page.locator("svg.flowchart .unit[data-status=finished]").count() == 5
    for name in ("band_structure", "density_of_states"):
        plot = page.locator(f'canvas[data-plot="{name}"]').first
        plot.wait_for()
        wait_until(lambda plot=plot: drawn(plot) > 10, seconds=10, what=f"the {name} plot is blank")
    scf = page.locator("[data-testid=scf-plot]")
    wait_until(lambda: drawn(scf) > 10, seconds=10, what="the SCF convergence plot is blank")
    assert page.locator('[data-property^="band gap"]').count() >= 2
    assert still_loaded()
    assert person.errors == []
    page.screenshot(path=str(SCREENSHOTS / "job-bands-dos-1280x800.png"), full_page=True)


ROCKSALT = """NaCl, rock salt
1.0
0.0 2.82 2.82
2.82 0.0 2.82
2.82 2.82 0.0
Na Cl
1 1
Direct
0.0 0.0 0.0
0.5 0.5 0.5
"""


def test_a_person_imports_a_poscar_and_sees_its_structure(person: Session, tmp_path: Path) -> None:
    poscar = tmp_path / "POSCAR"
    poscar.write_text(ROCKSALT)
    person.log_in()
    page = person.page
    page.click("nav >> text=Materials")
    page.click("summary:has-text('Import')")
    page.set_input_files("section input[type=file]", str(poscar))
    page.fill('section input[placeholder="the material\'s name"]', "rock salt")
    page.click("section button:has-text('Import')")
    page.wait_for_url(re.compile(r"#/materials/\w+$"))
    page.wait_for_selector("h1:has-text('rock salt')")
    structure = page.locator("[data-testid=structure] canvas")
    structure.wait_for()
    wait_until(lambda: drawn(structure) > 10, seconds=20, what="the 3D structure view is blank")
    assert page.locator("section table tbody tr").count() == 2  # the basis: Na and Cl
    assert "Cl" in page.locator("section table tbody").inner_text()
    assert person.errors == []


def created(user: User, name: str, script: str = "true") -> str:
    """A pre-submission shell job made through the API; its id."""
    body = {"name": name, "workflow": shell_workflow(script), "compute": {"cluster": {"fqdn": "local"}}}
    answer = user.http.post("/api/v1/jobs", json=body)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["data"]["_id"])


def shown(person: Session) -> list[str]:
    """The names in the jobs table, once it has loaded."""
    person.page.wait_for_function("!document.querySelector('table.jobs-table[aria-busy=true]')")
    return person.page.locator("table.jobs-table tbody tr[data-job-id] td:first-child").all_inner_texts()


def test_a_person_filters_pages_and_acts_on_the_jobs_list(person: Session) -> None:
    for index in range(23):
        created(person.user, f"alpha {index:02d}")
    beta = created(person.user, "beta (1+1)")  # a name with characters a regex would read otherwise
    person.log_in()
    page = person.page
    first = shown(person)
    assert first[0] == "beta (1+1)" and len(first) == 20  # newest first, a page of 20
    page.click(".pager button:has-text('Next')")
    page.wait_for_function("document.querySelectorAll('tr[data-job-id]').length === 4")
    assert shown(person) == ["alpha 03", "alpha 02", "alpha 01", "alpha 00"]
    assert page.locator(".pager button:has-text('Next')").is_disabled()

    page.fill("input[name=text]", "(1+1)")
    page.dispatch_event("input[name=text]", "change")
    page.wait_for_function("document.querySelectorAll('tr[data-job-id]').length === 1")
    assert shown(person) == ["beta (1+1)"]
    page.fill("input[name=text]", "")
    page.dispatch_event("input[name=text]", "change")

    page.fill("input[name=query]", '{"name": {"$regex": "^alpha 1"}}')
    page.click("form.filters button[type=submit]")
    page.wait_for_function("document.querySelectorAll('tr[data-job-id]').length === 10")
    page.fill("input[name=query]", '{"name": ')
    page.click("form.filters button[type=submit]")
    assert "the query is not JSON" in page.locator("p.error").inner_text()
    page.fill("input[name=query]", '{"name": {"$where": "1"}}')
    page.click("form.filters button[type=submit]")
    page.wait_for_function("document.querySelector('p.error').textContent.includes('$where')")
    page.fill("input[name=query]", "")
    page.click("form.filters button[type=submit]")

    row = f'tr[data-job-id="{beta}"]'
    page.click(f"{row} button:has-text('Submit')")
    page.wait_for_selector(f'{row} .badge:not([data-status="pre-submission"])')
    page.select_option("select[name=status]", "pre-submission")
    page.wait_for_function("document.querySelectorAll('tr[data-job-id]').length === 20")
    assert "beta (1+1)" not in shown(person)
    page.select_option("select[name=status]", "")
    shown(person)

    page.click(f"{row} button:has-text('Copy')")
    page.wait_for_selector("p.notice:has-text('Copied')")
    copies = person.user.http.get("/api/v1/jobs", params={"query": json.dumps({"name": "beta (1+1)"})}).json()["data"]
    assert len(copies) == 2
    page.click(f"{row} button:has-text('Delete')")
    page.wait_for_selector("p.notice:has-text('Deleted')")
    assert person.user.http.get(f"/api/v1/jobs/{beta}").status_code == 404
    [refused] = person.errors  # the $where query's answer, the page's one failed call
    assert "400" in refused


def photograph_every_page(person: Session, job_id: str) -> None:
    """Each page at a desktop's and a phone's size: photographed, no wider than the screen, no errors."""
    http = person.user.http
    material = http.get("/api/v1/jobs/" + job_id).json()["data"]["_material"]["_id"]
    workflow = http.get("/api/v1/workflows", params={"query": json.dumps({"isDefault": True})}).json()["data"][0]
    routes = {
        "login": ("#/login", "input[name=username]"),
        "jobs": ("#/jobs", "table.jobs-table tbody tr"),
        "job": (f"#/jobs/{job_id}", ".job [data-testid=structure] canvas"),
        "new-job": ("#/new", "select[name=workflow] option"),
        "materials": ("#/materials", "section table tbody tr"),
        "material": (f"#/materials/{material}", "[data-testid=structure] canvas"),
        "workflows": ("#/workflows", "section table tbody tr"),
        "workflow": (f"#/workflows/{workflow['_id']}", "svg.flowchart .unit"),
        "clusters": ("#/clusters", "article[data-cluster]"),
    }
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for size in (DESKTOP, PHONE):
        person.page.set_viewport_size(size)
        suffix = f"{size['width']}x{size['height']}"
        for name, (route, ready) in routes.items():
            person.go(route)
            person.page.wait_for_selector(ready, state="attached")
            person.page.wait_for_function("!document.querySelector('[aria-busy=true]')")
            person.page.wait_for_timeout(300)  # the 3D view's and plots' first frames
            person.page.screenshot(path=str(SCREENSHOTS / f"{name}-{suffix}.png"), full_page=True)
            width = person.page.evaluate("document.documentElement.scrollWidth")
            assert width <= size["width"], f"{name} is {width}px wide at {suffix}"
    assert person.errors == []
