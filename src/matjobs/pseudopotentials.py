"""Pseudopotential (UPF) files described as the platform describes them.

The documents are the platform's pseudopotential file data items (mat3ra-esse schema
`methods-directory/physical/psp/file-data-item`): element, type, exchangeCorrelation, filename,
path, hash, source, apps, name. Both UPF v1 (a `<PP_HEADER>` block of lines) and UPF v2
(`<PP_HEADER .../>` attributes) are read.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matjobs.ids import now_iso, stable_id

log = logging.getLogger(__name__)

_HEADER_TAG = re.compile(r"<PP_HEADER\b([^>]*)>", re.IGNORECASE)
_V1_HEADER = re.compile(r"<PP_HEADER>(.*?)</PP_HEADER>", re.IGNORECASE | re.DOTALL)
_ATTRIBUTE = re.compile(r"([\w:.-]+)\s*=\s*(\"[^\"]*\"|'[^']*')")

# QE's dft names as (exchange, correlation, gradient exchange, gradient correlation), and the short names
# pw.x accepts, mapped to the platform's (approximation, functional) slugs.
_FUNCTIONAL_PARTS: dict[tuple[str, ...], tuple[str, str]] = {
    ("SLA", "PZ", "NOGX", "NOGC"): ("lda", "pz"),
    ("SLA", "PW", "NOGX", "NOGC"): ("lda", "pw"),
    ("SLA", "VWN", "NOGX", "NOGC"): ("lda", "vwn"),
    ("SLA", "PW", "PBX", "PBC"): ("gga", "pbe"),
    ("SLA", "PW", "PBE", "PBE"): ("gga", "pbe"),  # older files name PBE's gradient terms "PBE"
    ("SLA", "PW", "PSX", "PSC"): ("gga", "pbesol"),
    ("SLA", "PW", "GGX", "GGC"): ("gga", "pw91"),
    ("SLA", "LYP", "B88", "BLYP"): ("gga", "blyp"),
    ("SLA", "PW", "TPSS", "TPSS"): ("mgga", "tpss"),
}
_FUNCTIONAL_NAMES: dict[str, tuple[str, str]] = {
    "PZ": ("lda", "pz"),
    "LDA": ("lda", "pz"),
    "PW": ("lda", "pw"),
    "VWN": ("lda", "vwn"),
    "PBE": ("gga", "pbe"),
    "PBESOL": ("gga", "pbesol"),
    "PW91": ("gga", "pw91"),
    "BLYP": ("gga", "blyp"),
    "TPSS": ("mgga", "tpss"),
    "SCAN": ("mgga", "scan"),
    "PBE0": ("hybrid", "pbe0"),
    "HSE": ("hybrid", "hse06"),
    "B3LYP": ("hybrid", "b3lyp"),
}
_V1_TYPES = {"NC": "nc", "SL": "nc", "US": "us", "PAW": "paw"}


class UnreadablePseudopotential(ValueError):
    """The text is not a UPF file this module understands."""


@dataclass(frozen=True)
class _Header:
    element: str
    type: str  # the platform's: nc, nc-fr, us, paw, coulomb
    functional: str  # as the file spells it, e.g. " SLA  PW   PBX  PBC" or "PBE"


def read_upf_header(
    text: str,
    file_name: str,
    *,
    path: str | None = None,
    file_hash: str | None = None,
    source: str = "local",
) -> dict[str, Any]:
    """The platform's description of one UPF file.

    `path` defaults to `file_name`; `file_hash` (MD5 of the file's bytes) defaults to the MD5 of `text`
    in UTF-8, which is the same for the ASCII files UPF generators write.
    Raises UnreadablePseudopotential when the text has no header this module can read.
    """
    header = _read_header(text, file_name)
    approximation, functional = exchange_correlation(header.functional, file_name)
    return {
        "element": header.element,
        "type": header.type,
        "exchangeCorrelation": {"approximation": approximation, "functional": functional},
        "filename": file_name,
        "path": path if path is not None else file_name,
        "hash": file_hash if file_hash is not None else hashlib.md5(text.encode(), usedforsecurity=False).hexdigest(),
        "source": source,
        "apps": ["espresso"],
        "name": "pseudopotential",
    }


def scan(directory: Path, *, source: str = "local") -> list[dict[str, Any]]:
    """Every *.UPF / *.upf file in `directory` (not its subfolders), by file name; files that cannot be
    read as UPF are left out with a warning."""
    found: list[dict[str, Any]] = []
    for file in sorted(directory.iterdir()):
        if file.suffix.lower() != ".upf" or not file.is_file():
            continue
        try:
            content = file.read_bytes()
            text = content.decode("utf-8", errors="replace")
            found.append(
                read_upf_header(
                    text,
                    file.name,
                    path=str(file.resolve()),
                    file_hash=hashlib.md5(content, usedforsecurity=False).hexdigest(),
                    source=source,
                )
            )
        except (OSError, UnreadablePseudopotential) as error:
            log.warning("skipping pseudopotential %s: %s", file, error)
    return found


def exchange_correlation(functional: str, file_name: str = "") -> tuple[str, str]:
    """(approximation, functional) as the platform names them, e.g. ("gga", "pbe"), from a UPF's dft name."""
    parts = tuple(functional.upper().split())
    known = _FUNCTIONAL_PARTS.get(parts[:4]) or (_FUNCTIONAL_NAMES.get(parts[0]) if len(parts) == 1 else None)
    if known is None:
        raise UnreadablePseudopotential(f"{file_name}: unknown exchange-correlation functional {functional.strip()!r}")
    return known


def _read_header(text: str, file_name: str) -> _Header:
    tag = _HEADER_TAG.search(text)
    if tag is None:
        raise UnreadablePseudopotential(f"{file_name}: no PP_HEADER (not a UPF file)")
    attributes = {name.lower(): html.unescape(value[1:-1]) for name, value in _ATTRIBUTE.findall(tag.group(1))}
    if attributes:
        return _v2_header(attributes, file_name)
    block = _V1_HEADER.search(text)
    if block is None:
        raise UnreadablePseudopotential(f"{file_name}: PP_HEADER is not closed")
    return _v1_header(block.group(1), fully_relativistic="<PP_ADDINFO>" in text.upper(), file_name=file_name)


def _v2_header(attributes: dict[str, str], file_name: str) -> _Header:
    try:
        element, functional, pseudo_type = attributes["element"], attributes["functional"], attributes["pseudo_type"]
    except KeyError as missing:
        raise UnreadablePseudopotential(f"{file_name}: PP_HEADER has no {missing.args[0]} attribute") from None
    fully_relativistic = attributes.get("relativistic", "").strip().lower() == "full"
    return _Header(element.strip(), _v2_type(pseudo_type, attributes, fully_relativistic, file_name), functional)


def _v2_type(pseudo_type: str, attributes: dict[str, str], fully_relativistic: bool, file_name: str) -> str:
    # The is_* flags decide, as in pw.x: some pslibrary 0.1 "kjpaw" files say USPP and is_paw="false".
    kind = pseudo_type.strip().upper()
    if _flag(attributes.get("is_coulomb")) or kind == "1/R":
        return "coulomb"
    if _flag(attributes.get("is_paw")) or kind == "PAW":
        return "paw"
    if _flag(attributes.get("is_ultrasoft")) or kind in ("US", "USPP"):
        return "us"
    if kind in ("NC", "SL"):
        return "nc-fr" if fully_relativistic else "nc"
    raise UnreadablePseudopotential(f"{file_name}: unknown pseudo_type {pseudo_type!r}")


def _v1_header(block: str, *, fully_relativistic: bool, file_name: str) -> _Header:
    """UPF v1: one value per line, in a fixed order (version, element, type, nlcc, functional, ...)."""
    lines = [line for line in block.splitlines() if line.strip()]
    if len(lines) < 5:
        raise UnreadablePseudopotential(f"{file_name}: PP_HEADER is too short for UPF v1")
    element = lines[1].split()[0]
    kind = _V1_TYPES.get(lines[2].split()[0].upper())
    if kind is None:
        raise UnreadablePseudopotential(f"{file_name}: unknown pseudopotential type {lines[2].strip()!r}")
    if kind == "nc" and fully_relativistic:
        kind = "nc-fr"
    # e.g. " SLA  PW   PBX  PBC    PBE  Exchange-Correlation functional": the four parts, a short name, a label
    functional = " ".join(lines[4].split("Exchange-Correlation")[0].split()[:4])
    return _Header(element, kind, functional)


def _flag(value: str | None) -> bool:
    return value is not None and value.strip().strip(".").upper() in ("T", "TRUE")


DEBIAN_PSEUDO_DIR = Path("/usr/share/espresso/pseudo")  # Debian's quantum-espresso-data


def registry(directory: Path = DEBIAN_PSEUDO_DIR) -> list[dict[str, Any]]:
    """The registry's documents: each readable UPF file in `directory`, with an id of its own
    that stays the same while the file does (its name and content hash)."""
    if not directory.is_dir():
        log.warning("no pseudopotentials at %s (Debian: apt-get install quantum-espresso-data)", directory)
        return []
    now = now_iso()
    return [
        {"_id": stable_id(f"pseudo/{entry['filename']}/{entry['hash']}"), **entry, "createdAt": now, "updatedAt": now}
        for entry in scan(directory)
    ]
