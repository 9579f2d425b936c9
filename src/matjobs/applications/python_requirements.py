"""Whether a python unit's requirements.txt is met by the node's python3: run there as `python3 -c`
before the unit's script, so it imports nothing but the standard library (the job's sandbox has
the machine's Python, not the project's venv), and writes what is missing to a marker file."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable

OPERATORS = ("===", "~=", "==", "!=", "<=", ">=", "<", ">")
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(.*)$")
_CLAUSE = re.compile(r"^\s*(===|~=|==|!=|<=|>=|<|>)\s*([^\s,;]+)\s*$")

Pin = tuple[str, str]  # (operator, version)


def requirement(line: str) -> tuple[str, tuple[Pin, ...]] | None:
    """A requirements.txt line as (name, pins); None for comments, blank lines, pip options
    (`--extra-index-url ...`, `-r file`) and lines naming no package. Extras and environment
    markers are dropped: the marker's condition is taken as true."""
    text = line.split(" #", 1)[0].split(";", 1)[0].strip()
    if not text or text.startswith(("#", "-")):
        return None
    found = _NAME.match(text)
    if found is None:
        return None
    name, rest = found.group(1), found.group(2).strip()
    if rest.startswith("@"):  # `name @ url`: any version will do
        return name, ()
    pins: list[Pin] = []
    for clause in filter(None, (part.strip() for part in rest.split(","))):
        parsed = _CLAUSE.match(clause)
        if parsed is None:
            return None
        pins.append((parsed.group(1), parsed.group(2)))
    return name, tuple(pins)


def release(version: str) -> tuple[int, ...]:
    """The release numbers of a version: "2.7.0+cu128" -> (2, 7, 0), "1.26.0rc1" -> (1, 26, 0).
    Pre-releases and local labels are not told apart: close enough to say what a node lacks."""
    numbers = []
    for part in version.split("+", 1)[0].lstrip("vV").split("."):
        digits = re.match(r"\d+", part)
        if digits is None:
            break
        numbers.append(int(digits.group()))
    return tuple(numbers)


def satisfies(have: str, operator: str, wanted: str) -> bool:
    if operator == "===":
        return have == wanted
    if operator in ("==", "!=") and wanted.endswith(".*"):
        prefix = release(wanted[:-2])
        same = release(have)[: len(prefix)] == prefix
        return same if operator == "==" else not same
    ours, theirs = _padded(release(have), release(wanted))
    if operator == "~=":
        prefix = release(wanted)[:-1]
        return ours >= theirs and release(have)[: len(prefix)] == prefix
    return {
        "==": ours == theirs,
        "!=": ours != theirs,
        "<=": ours <= theirs,
        ">=": ours >= theirs,
        "<": ours < theirs,
        ">": ours > theirs,
    }[operator]


def _padded(one: tuple[int, ...], other: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    width = max(len(one), len(other))
    return one + (0,) * (width - len(one)), other + (0,) * (width - len(other))


def unmet(lines: list[str], installed: Callable[[str], str | None]) -> list[tuple[str, str | None]]:
    """Each requirement `installed` does not meet, as written, with the version found (None when
    there is none). `installed(name)` is the version python3 has, "" when a module of that name
    imports but its version cannot be read, None when it lacks it."""
    missing: list[tuple[str, str | None]] = []
    for line in lines:
        parsed = requirement(line)
        if parsed is None:
            continue
        name, pins = parsed
        have = installed(name)
        met = have is not None and (not pins or bool(have))
        if not (met and all(satisfies(str(have), operator, wanted) for operator, wanted in pins)):
            missing.append((line.split(" #", 1)[0].split(";", 1)[0].strip(), have))
    return missing


def problem(missing: list[tuple[str, str | None]], cluster: str) -> str:
    """The sentence the job's error carries, after the unit's name."""
    named = [repr(wanted) for wanted, _ in missing]
    packages = f"package {named[0]}" if len(named) == 1 else f"packages {', '.join(named[:-1])} and {named[-1]}"
    found = [f"{_name(wanted)} {have}" for wanted, have in missing if have]
    has = f" (it has {', '.join(found)})" if found else ""
    return f"needs the Python {packages}, which python3 on cluster {cluster} lacks{has}"


def _name(wanted: str) -> str:
    parsed = requirement(wanted)
    return parsed[0] if parsed else wanted


def installed_version(name: str) -> str | None:
    """The version of distribution `name` in this python3, "" for a module of that name without
    metadata (some Debian packages), None when it has neither."""
    import importlib.metadata
    import importlib.util

    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        pass
    module = name.replace("-", "_")
    try:
        return "" if importlib.util.find_spec(module) is not None else None
    except (ImportError, ValueError):
        return None


def main(arguments: list[str]) -> int:
    """arguments: requirements.txt, the marker file to write, the cluster's name, the unit's name."""
    requirements, marker, cluster, unit = arguments
    with open(requirements, encoding="utf-8") as file:
        missing = unmet(file.read().splitlines(), installed_version)
    if not missing:
        return 0
    sentence = problem(missing, cluster)
    with open(marker, "w", encoding="utf-8") as file:
        file.write(sentence + "\n")
    print(f"unit {unit!r} {sentence}", file=sys.stderr)
    return 3


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
