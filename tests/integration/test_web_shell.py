"""The web app's shell at `/` and its files, over HTTP: every script and style it names is served
from this server (no CDN), every module of the page's graph is preloaded, and `/api/...` stays the
API's (a path the API lacks is its JSON 404, not the shell)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx

from matjobs.web.vendor import FILES

STATIC = Path(__file__).resolve().parents[2] / "src" / "matjobs" / "web" / "static"
ATTRIBUTE = re.compile(r'(?<=\s)(?:src|href)="([^"]+)"')  # not Alpine's :href bindings
IMPORT = re.compile(r'^\s*(?:import|export)\b[^"\']*?from\s+["\']([^"\']+)["\']|^\s*import\s+["\']([^"\']+)["\']', re.M)
DYNAMIC = re.compile(r'script\("(/static/[^"]+)"')


def import_map(shell: str) -> dict[str, str]:
    block = re.search(r'<script type="importmap">(.*?)</script>', shell, re.S)
    assert block, "the shell has no import map"
    return dict(json.loads(block.group(1))["imports"])


def module_graph(anonymous: httpx.Client, shell: str) -> set[str]:
    """Every module the page loads: from main.js through its imports, resolved as the browser does."""
    imports = import_map(shell)
    found: set[str] = set()
    todo = ["/static/js/main.js"]
    while todo:
        path = todo.pop()
        if path in found:
            continue
        found.add(path)
        answer = anonymous.get(path)
        assert answer.status_code == 200, path
        assert "javascript" in answer.headers["content-type"], path
        for match in IMPORT.finditer(answer.text):
            specifier = match.group(1) or match.group(2)
            if specifier.startswith("."):
                resolved = str(Path(path).parent.joinpath(specifier).resolve())
                specifier = imports.get(resolved, resolved)
            else:
                assert specifier in imports, f"{path} imports {specifier!r}, which the import map does not name"
                specifier = imports[specifier]
            todo.append(specifier)
    return found


def test_the_shell_names_only_files_this_server_serves(anonymous: httpx.Client) -> None:
    answer = anonymous.get("/")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    shell = answer.text
    named = [url for url in ATTRIBUTE.findall(shell) if not url.startswith(("#", "data:"))]
    named += list(import_map(shell).values())
    assert named
    for url in named:
        assert url.startswith("/static/"), f"the shell loads {url} from elsewhere"
        assert anonymous.get(url).status_code == 200, url


def test_every_module_of_the_page_is_served_and_preloaded(anonymous: httpx.Client) -> None:
    shell = anonymous.get("/").text
    graph = module_graph(anonymous, shell)
    preloaded = set(re.findall(r'<link rel="modulepreload" href="([^"]+)">', shell))
    assert graph == preloaded, f"not preloaded: {sorted(graph - preloaded)}; not modules: {sorted(preloaded - graph)}"


def test_the_libraries_loaded_on_demand_are_served(anonymous: httpx.Client) -> None:
    scripts = (STATIC / "js" / "scripts.js").read_text()
    on_demand = DYNAMIC.findall(scripts)
    assert len(on_demand) == 2  # Chart.js and 3Dmol.js
    for url in on_demand:
        assert url.removeprefix("/static/vendor/") in FILES
        assert anonymous.get(url).status_code == 200, url


def test_our_own_scripts_and_styles_reach_no_other_host() -> None:
    for path in [*STATIC.glob("*.html"), *STATIC.glob("*.css"), *STATIC.rglob("js/**/*.js")]:
        for url in re.findall(r"https?://[^\s\"'`)]+", path.read_text()):
            assert url == "http://www.w3.org/2000/svg", f"{path.name} names {url}"


def test_api_paths_stay_the_apis(anonymous: httpx.Client) -> None:
    missing = anonymous.get("/api/v1/no-such-thing")
    assert missing.status_code == 404
    assert missing.json()["status"] == "error"
    assert anonymous.get("/api/health").json()["data"]["status"] == "ok"
    assert anonymous.get("/static/no-such-file.js").status_code == 404
