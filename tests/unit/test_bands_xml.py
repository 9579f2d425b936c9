"""A pw.x `bands` run of 100 k-points at `verbosity = 'low'` prints no band energies: the espresso
application reads them from pw.x's data file, and they are the energies the same run prints at
`verbosity = 'high'` (captured in tests/data/espresso/pw.x: bands_path*)."""

from __future__ import annotations

import gzip
import re
import shutil
from pathlib import Path

import pytest

from matjobs.applications.bands_output import parse_bands_output
from matjobs.applications.bands_xml import parse_bands_xml
from matjobs.applications.espresso import Espresso
from matjobs.documents.property import check_property

CAPTURED = Path(__file__).parents[1] / "data" / "espresso" / "pw.x"
UNIT = {"name": "pw_bands", "executable": {"name": "pw.x"}, "input": [{"template": {"name": "pw_bands.in"}}]}
_PRINTED_K = re.compile(r"^\s*k =.*bands \(ev\):\s*\n((?:\s*[-\d.]+(?:\s+[-\d.]+)*\s*\n)+)", re.MULTILINE)


def unzipped(name: str) -> str:
    return gzip.decompress((CAPTURED / name).read_bytes()).decode()


def bands_folder(tmp_path: Path, output: str = "bands_path.out") -> Path:
    """The run's folder as the job leaves it: input, output, and `outdir` (./tmp, prefix si)."""
    shutil.copyfile(CAPTURED / "bands_path.in", tmp_path / "pw_bands.in")
    shutil.copyfile(CAPTURED / output, tmp_path / "pw_bands.out")
    (tmp_path / "tmp" / "si.save").mkdir(parents=True)
    (tmp_path / "tmp" / "si.save" / "data-file-schema.xml").write_text(unzipped("bands_path.xml.gz"))
    return tmp_path


def printed_energies(output: str) -> list[list[float]]:
    """The verbose run's energies per k-point, read with the test's own pattern."""
    return [[float(value) for value in block.split()] for block in _PRINTED_K.findall(output)]


def test_the_bands_of_a_run_that_did_not_print_them_are_those_it_prints_when_verbose(tmp_path: Path) -> None:
    collected = Espresso().collect(UNIT, bands_folder(tmp_path))
    assert collected.problem is None
    found = {document["name"]: document for document in collected.properties}
    structure = found["band_structure"]
    verbose = printed_energies(unzipped("bands_path_verbose.out.gz"))
    assert len(verbose) == 100 and len(structure["xDataArray"]) == 100
    by_kpoint = list(zip(*structure["yDataSeries"], strict=True))
    for ours, theirs in zip(by_kpoint, verbose, strict=True):
        assert list(ours) == pytest.approx(theirs, abs=2e-4)  # printed to 4 decimals
    # The path starts at L, (0.5, 0.5, 0.5) in units of 2π/a: k·a_i on ibrav 2's axes a1 = (-1, 0, 1)/2,
    # a2 = (0, 1, 1)/2, a3 = (-1, 1, 0)/2 gives crystal (0, 0.5, 0); 10 steps later, Γ.
    assert structure["xDataArray"][0] == pytest.approx([0, 0.5, 0], abs=1e-6)
    assert structure["xDataArray"][10] == pytest.approx([0, 0, 0], abs=1e-6)
    gaps = {gap["type"]: gap["value"] for gap in found["band_gaps"]["values"]}
    assert 0 < gaps["indirect"] < gaps["direct"]
    for document in collected.properties:
        check_property(document)


def test_an_output_without_band_energies_is_a_problem_not_an_exception() -> None:
    bands = parse_bands_output((CAPTURED / "bands_path.out").read_text())
    assert bands.problem is not None and bands.energies == ()


def test_a_data_file_a_later_run_wrote_is_refused() -> None:
    # The verbose run ended two seconds after the one that wrote this data file.
    bands = parse_bands_xml(unzipped("bands_path.xml.gz"), unzipped("bands_path_verbose.out.gz"), "bands")
    assert bands.problem is not None and "another run's" in bands.problem


def test_a_data_file_of_another_calculation_is_refused() -> None:
    bands = parse_bands_xml(unzipped("bands_path.xml.gz"), (CAPTURED / "bands_path.out").read_text(), "nscf")
    assert bands.problem is not None and bands.energies == ()


def test_a_missing_data_file_is_a_problem(tmp_path: Path) -> None:
    folder = bands_folder(tmp_path)
    (folder / "tmp" / "si.save" / "data-file-schema.xml").unlink()
    collected = Espresso().collect(UNIT, folder)
    assert collected.problem is not None and collected.properties == ()


def test_a_data_file_written_the_second_before_its_run_printed_its_end_is_that_run_s() -> None:
    # Seen with spin-orbit bands: the data file says 18:05:19, the output ends at 18:05:20.
    xml = unzipped("bands_path.xml.gz").replace('TIME="18: 5:20">', 'TIME="18: 5:19">')
    xml = xml.replace("terminated on:  18: 5:20", "terminated on:  18: 5:19")
    bands = parse_bands_xml(xml, (CAPTURED / "bands_path.out").read_text(), "bands")
    assert bands.problem is None and len(bands.kpoints) == 100
