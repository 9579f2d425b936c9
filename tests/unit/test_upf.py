"""UPF pseudopotential headers as the platform's pseudopotential file documents.

The header excerpts in tests/data/espresso/upf-headers are cut from Debian's quantum-espresso-data files;
the tests over the whole Debian folder run where that package is installed.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

import jsonschema
import pytest
from mat3ra.esse import ESSE

from matjobs.pseudopotentials import UnreadablePseudopotential, exchange_correlation, read_upf_header, scan

HEADERS = Path(__file__).parents[1] / "data" / "espresso" / "upf-headers"
DEBIAN_PSEUDO = Path("/usr/share/espresso/pseudo")
needs_debian_pseudo = pytest.mark.usefixtures("espresso_data")  # skipped without it, failed in CI
DATA_ITEM_SCHEMA = "methods-directory/physical/psp/file-data-item"
FILE_SCHEMA = "methods-directory/physical/psp/file"


def header(file_name: str) -> dict:
    return read_upf_header((HEADERS / file_name).read_text(), file_name)


def assert_valid(item: dict) -> None:
    esse = ESSE()
    jsonschema.Draft7Validator(esse.get_schema_by_id(DATA_ITEM_SCHEMA)).validate(item)
    jsonschema.Draft7Validator(esse.get_schema_by_id(FILE_SCHEMA)).validate({"slug": "pseudopotential", "data": item})


def test_upf_v2_header_attributes_make_a_valid_document() -> None:
    text = (HEADERS / "Si.pz-vbc.UPF").read_text()
    item = read_upf_header(text, "Si.pz-vbc.UPF")
    assert item == {
        "element": "Si",
        "type": "nc",
        "exchangeCorrelation": {"approximation": "lda", "functional": "pz"},
        "filename": "Si.pz-vbc.UPF",
        "path": "Si.pz-vbc.UPF",
        "hash": hashlib.md5(text.encode()).hexdigest(),
        "source": "local",
        "apps": ["espresso"],
        "name": "pseudopotential",
    }
    assert_valid(item)


def test_upf_v1_header_lines_with_spin_orbit_data_are_fully_relativistic_norm_conserving() -> None:
    item = header("Si.rel-pbe-rrkj.UPF")
    assert (item["element"], item["type"]) == ("Si", "nc-fr")
    assert item["exchangeCorrelation"] == {"approximation": "gga", "functional": "pbe"}
    assert_valid(item)


def test_header_flags_decide_the_type_not_the_file_name() -> None:
    # pslibrary 0.1 wrote this "kjpaw" file as ultrasoft (pseudo_type="USPP", is_paw="false"), and pw.x reads it so.
    item = header("B.pbe-n-kjpaw_psl.0.1.UPF")
    assert (item["element"], item["type"]) == ("B", "us")
    assert item["exchangeCorrelation"] == {"approximation": "gga", "functional": "pbe"}


def test_path_hash_and_source_can_be_given() -> None:
    text = (HEADERS / "Si.pz-vbc.UPF").read_text()
    item = read_upf_header(text, "Si.pz-vbc.UPF", path="/pseudo/Si.pz-vbc.UPF", file_hash="0" * 32, source="debian")
    assert (item["path"], item["hash"], item["source"]) == ("/pseudo/Si.pz-vbc.UPF", "0" * 32, "debian")


def test_text_without_a_upf_header_is_refused() -> None:
    with pytest.raises(UnreadablePseudopotential, match="H_US.van.upf: no PP_HEADER"):
        header("H_US.van.upf")


@pytest.mark.parametrize(
    ("functional", "expected"),
    [
        (" SLA  PZ   NOGX NOGC", ("lda", "pz")),
        ("LDA                 ", ("lda", "pz")),
        ("PZ", ("lda", "pz")),
        (" SLA  PW   PBX  PBC ", ("gga", "pbe")),
        (" SLA  PW   PBE  PBE", ("gga", "pbe")),
        ("PBE", ("gga", "pbe")),
        (" SLA  PW   PSX  PSC", ("gga", "pbesol")),
        ("PBESOL", ("gga", "pbesol")),
        (" SLA  LYP  B88  BLYP", ("gga", "blyp")),
        (" SLA  PW   TPSS TPSS", ("mgga", "tpss")),
    ],
)
def test_qe_functional_names_map_to_the_platform_slugs(functional: str, expected: tuple[str, str]) -> None:
    assert exchange_correlation(functional) == expected


def test_unknown_functional_is_refused_rather_than_guessed() -> None:
    with pytest.raises(UnreadablePseudopotential, match="unknown exchange-correlation functional 'SLA PW RPB PBC'"):
        exchange_correlation("SLA PW RPB PBC", "X.UPF")


def test_scan_reads_each_upf_file_and_skips_unreadable_ones_with_a_warning(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="matjobs.pseudopotentials"):
        items = scan(HEADERS)
    assert [item["filename"] for item in items] == ["B.pbe-n-kjpaw_psl.0.1.UPF", "Si.pz-vbc.UPF", "Si.rel-pbe-rrkj.UPF"]
    assert "README" not in caplog.text
    assert [record.getMessage() for record in caplog.records] == [
        f"skipping pseudopotential {HEADERS / 'H_US.van.upf'}: H_US.van.upf: no PP_HEADER (not a UPF file)"
    ]
    silicon = items[1]
    assert silicon["path"] == str((HEADERS / "Si.pz-vbc.UPF").resolve())
    assert silicon["hash"] == hashlib.md5((HEADERS / "Si.pz-vbc.UPF").read_bytes()).hexdigest()


@needs_debian_pseudo
def test_every_upf_file_of_the_debian_package_reads_and_validates(caplog: pytest.LogCaptureFixture) -> None:
    upf_names = sorted(path.name for path in DEBIAN_PSEUDO.iterdir() if path.suffix.lower() == ".upf")
    with caplog.at_level(logging.WARNING, logger="matjobs.pseudopotentials"):
        items = scan(DEBIAN_PSEUDO)
    assert caplog.records == []
    assert [item["filename"] for item in items] == upf_names
    assert len(items) == 66  # the other 5 of its 71 files are other formats (RRKJ3, Vanderbilt, BHS) and a script
    for item in items:
        assert_valid(item)


@needs_debian_pseudo
def test_debian_files_read_as_their_header_excerpts_do() -> None:
    by_name = {item["filename"]: item for item in scan(DEBIAN_PSEUDO)}
    for excerpt in ("Si.pz-vbc.UPF", "Si.rel-pbe-rrkj.UPF", "B.pbe-n-kjpaw_psl.0.1.UPF"):
        whole = by_name[excerpt]
        assert whole["hash"] == hashlib.md5((DEBIAN_PSEUDO / excerpt).read_bytes()).hexdigest()
        assert {key: whole[key] for key in ("element", "type", "exchangeCorrelation")} == {
            key: header(excerpt)[key] for key in ("element", "type", "exchangeCorrelation")
        }


@needs_debian_pseudo
def test_debian_package_types_and_functionals() -> None:
    by_name = {item["filename"]: item for item in scan(DEBIAN_PSEUDO)}
    summary = {
        name: (by_name[name]["type"], by_name[name]["exchangeCorrelation"]["functional"])
        for name in (
            "Si.pz-vbc.UPF",
            "Al.pz-vbc.UPF",
            "Si.pbe-nl-rrkjus_psl.1.0.0.UPF",
            "B.pbe-n-kjpaw_psl.1.0.0.UPF",
            "Fe.pbesol-spn-kjpaw_psl.1.0.0.UPF",
            "H.coulomb-ae.UPF",
            "Si_r.upf",
            "C.tpss-mt.UPF",
        )
    }
    assert summary == {
        "Si.pz-vbc.UPF": ("nc", "pz"),
        "Al.pz-vbc.UPF": ("nc", "pz"),
        "Si.pbe-nl-rrkjus_psl.1.0.0.UPF": ("us", "pbe"),
        "B.pbe-n-kjpaw_psl.1.0.0.UPF": ("paw", "pbe"),
        "Fe.pbesol-spn-kjpaw_psl.1.0.0.UPF": ("paw", "pbesol"),
        "H.coulomb-ae.UPF": ("coulomb", "pbe"),
        "Si_r.upf": ("nc-fr", "pbe"),
        "C.tpss-mt.UPF": ("nc", "tpss"),
    }
