"""Time to first render of the web app's jobs page, in Debian's headless Chromium, with 10,000 jobs
in the account.

A `matjobs serve` (no runner) over a fresh SQLite file holds one account with N jobs: one made
through the API (the default Si under the default Total Energy workflow: a full-size document),
and N - 1 copies of it written to the store, each a second older than the one before. Chromium
(driven by Playwright, launched from /usr/bin/chromium) opens `/#/jobs` already logged in. The time
is from the navigation's start to the first animation frame after the first job's row is in the
page: shell, styles, scripts, the session, the list call and Alpine.js's rendering. Measured cold
(a new browser context: empty cache) and warm (reloads of the same context), with the list call's
own time from the Resource Timing API. Target: at most 1 s.

Run: `.venv/bin/python benchmarks/web_jobs_page.py [--jobs 10000 --runs 5]` (CI: `--jobs 50
--runs 1`); the figures go to benchmarks/results/web-jobs-page-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import statistics
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from saved import save  # noqa: E402
from server import HOST, Server  # noqa: E402

from matjobs.ids import new_id  # noqa: E402
from matjobs.store import Store  # noqa: E402
from matjobs.store.accounts import create_user  # noqa: E402
from matjobs.store.jobs import insert_job  # noqa: E402
from matjobs.store.migrate import upgrade  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
TARGET_S = 1.0
# Set before the page's own scripts: the first job row's arrival, stamped at the next frame.
STOPWATCH = """
new MutationObserver((changes, observer) => {
  if (!document.querySelector("tr[data-job-id]")) return;
  observer.disconnect();
  requestAnimationFrame(() => { window.__firstRowMs = performance.now(); });
}).observe(document, { childList: true, subtree: true });
"""


def _options(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=10_000, help="jobs in the account")
    parser.add_argument("--runs", type=int, default=5, help="cold loads, and as many warm ones")
    return parser.parse_args(argv)


def _call(port: int, method: str, path: str, headers: dict[str, str], body: Any = None) -> Any:
    connection = http.client.HTTPConnection(HOST, port, timeout=60)
    payload = json.dumps(body) if body is not None else None
    connection.request(method, path, body=payload, headers={**headers, "Content-Type": "application/json"})
    answer = json.loads(connection.getresponse().read())
    connection.close()
    return answer["data"]


def _seed(url: str, count: int, port: int) -> dict[str, str]:
    """The account's session as the web app keeps it, after its N jobs are written."""
    store = Store(url)
    try:
        with store.writing() as conn:
            issued = create_user(conn, username="webbench", password="webbench-password")
        headers = {"X-Auth-Token": issued.token, "X-User-Id": issued.principal.user_id}
        default = '{"isDefault":true}'
        material = _call(port, "GET", f"/api/v1/materials?query={default}", headers)[0]["_id"]
        workflow = _call(port, "GET", f"/api/v1/workflows?query={default}", headers)[0]["_id"]
        body = {"name": "Si total energy", "_material": {"_id": material}, "workflow": {"_id": workflow}}
        job = _call(port, "POST", "/api/v1/jobs", headers, body)
        newest = datetime.now(UTC)
        with store.writing() as conn:
            for index in range(1, count):
                created = (newest - timedelta(seconds=index)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
                copy = {**job, "_id": new_id(), "name": f"Si total energy {index}", "createdAt": created}
                insert_job(conn, copy)
        return {
            "username": "webbench",
            "token": issued.token,
            "userId": issued.principal.user_id,
            "accountId": issued.principal.account_id,
        }
    finally:
        store.dispose()


def _load(page: Any, url: str | None) -> dict[str, float]:
    """One load of the page (`url`), or a reload of it (None)."""
    if url is None:
        page.reload()
    else:
        page.goto(url)
    page.wait_for_function("window.__firstRowMs !== undefined", timeout=30_000)
    first_row_ms = page.evaluate("window.__firstRowMs")
    rows = page.locator("tr[data-job-id]").count()
    if rows != 20:
        raise RuntimeError(f"the jobs page shows {rows} rows, not a page of 20")
    list_ms = page.evaluate(
        """performance.getEntriesByType("resource")
             .filter((entry) => entry.name.includes("/api/v1/jobs?"))
             .map((entry) => entry.duration)[0] ?? null"""
    )
    return {"first_render_ms": round(first_row_ms, 1), "list_call_ms": round(list_ms or 0.0, 1)}


def _measure(base: str, session: dict[str, str], runs: int) -> dict[str, list[dict[str, float]]]:
    from playwright.sync_api import sync_playwright

    remember = f"localStorage.setItem('matjobs.session', {json.dumps(json.dumps(session))});"
    cold: list[dict[str, float]] = []
    warm: list[dict[str, float]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        try:
            for _ in range(runs):
                context = browser.new_context(viewport={"width": 1280, "height": 800})
                context.add_init_script(remember + STOPWATCH)
                page = context.new_page()
                cold.append(_load(page, f"{base}/#/jobs"))
                warm.append(_load(page, None))  # the same context: its cache is warm
                context.close()
        finally:
            browser.close()
    return {"cold": cold, "warm": warm}


def _summary(loads: list[dict[str, float]]) -> dict[str, Any]:
    renders = [load["first_render_ms"] for load in loads]
    return {
        "median_first_render_ms": round(statistics.median(renders), 1),
        "max_first_render_ms": max(renders),
        "median_list_call_ms": round(statistics.median(load["list_call_ms"] for load in loads), 1),
        "loads": loads,
    }


def main(argv: list[str] | None = None) -> int:
    options = _options(argv)
    if not Path(CHROMIUM).exists():
        print("chromium is not installed (scripts/ensure-command.sh chromium)", file=sys.stderr)
        return 1
    folder = Path(tempfile.mkdtemp(prefix="matjobs-web-bench-"))
    url = f"sqlite:///{folder / 'matjobs.sqlite3'}"
    store = Store(url)
    upgrade(store)
    store.dispose()
    try:
        with Server(url, 1, folder / "server.log", env={"MATJOBS_RUNNER": "false"}) as server:
            session = _seed(url, options.jobs, server.port)
            loads = _measure(server.base, session, options.runs)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    cold, warm = _summary(loads["cold"]), _summary(loads["warm"])
    save(
        "web-jobs-page",
        {
            "jobs": options.jobs,
            "runs": options.runs,
            "browser": "Debian chromium, headless, 1280x800",
            "cold": cold,
            "warm": warm,
            "targets": {
                f"cold median first render <= {TARGET_S:g} s": cold["median_first_render_ms"] <= TARGET_S * 1000,
                f"warm median first render <= {TARGET_S:g} s": warm["median_first_render_ms"] <= TARGET_S * 1000,
            },
        },
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
