"""The npm files the web app serves, and the copy of them into the package that `make install` makes.

Only the files named here are served (never all of node_modules), under the names the pages use,
so that an upgrade in web/package.json that moves a file fails the install, not a page.
"""

from __future__ import annotations

import sys
from pathlib import Path

STATIC = Path(__file__).parent / "static"
VENDOR = STATIC / "vendor"

# served name (under /static/vendor/) -> path in web/node_modules
FILES: dict[str, str] = {
    "alpine.esm.js": "alpinejs/dist/module.esm.min.js",
    "chart.umd.js": "chart.js/dist/chart.umd.min.js",
    "3Dmol-min.js": "3dmol/build/3Dmol-min.js",
    "pico.min.css": "@picocss/pico/css/pico.min.css",
    # An ES module in three files whose imports name no extension: the page's import map adds it.
    "fetch-event-source/index.js": "@microsoft/fetch-event-source/lib/esm/index.js",
    "fetch-event-source/fetch.js": "@microsoft/fetch-event-source/lib/esm/fetch.js",
    "fetch-event-source/parse.js": "@microsoft/fetch-event-source/lib/esm/parse.js",
}


def missing(folder: Path = VENDOR) -> list[str]:
    """The served names not (yet) copied into `folder`."""
    return sorted(name for name in FILES if not (folder / name).is_file())


def copy(node_modules: Path, folder: Path = VENDOR) -> None:
    absent = sorted(source for source in FILES.values() if not (node_modules / source).is_file())
    if absent:
        raise SystemExit(f"not in {node_modules} (npm ci --prefix web): {', '.join(absent)}")
    for name, source in FILES.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        # Without the source map comment: the map is not copied, and a missing one is a console warning.
        text = (node_modules / source).read_bytes()
        target.write_bytes(_without_source_map(text))


def _without_source_map(text: bytes) -> bytes:
    lines = text.rstrip(b"\n").split(b"\n")
    if lines and lines[-1].startswith(b"//# sourceMappingURL="):
        lines.pop()
    return b"\n".join(lines) + b"\n"


if __name__ == "__main__":  # python -m matjobs.web.vendor web/node_modules
    copy(Path(sys.argv[1]))
    print(f"web assets: {len(FILES)} files in {VENDOR}")
