""".xlsx directories import exactly as the same table in .csv does; the template imports cleanly."""
from __future__ import annotations

import csv
import io

import pytest

from knowledge.importers.spreadsheets import TEMPLATE_HEADERS, rows_from_xlsx, template_bytes
from knowledge.importing import import_paths

from tests.realdocs import DOCS


def as_xlsx(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook
    book = Workbook()
    for row in rows:
        book.active.append([int(c) if c.isdigit() else c for c in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def directory_csv():
    path = next(iter(sorted(DOCS.glob("*directory*.csv"))), None)
    if path is None:
        pytest.skip("no institution directory in the corpus")
    return path


def test_an_xlsx_directory_gives_the_records_its_csv_gives(fresh_store, tmp_path, directory_csv):
    rows = list(csv.reader(io.StringIO(directory_csv.read_text(encoding="utf-8"))))
    (tmp_path / "same.csv").write_text(directory_csv.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "same.xlsx").write_bytes(as_xlsx(rows))
    report = import_paths(fresh_store, [tmp_path / "same.csv", tmp_path / "same.xlsx"])
    assert report.skipped == []
    by_file = {}
    for stored in fresh_store.list():
        by_file.setdefault(stored.record.source.file, set()).add((stored.record.title, stored.record.text,
                                                                  stored.record.region.name))
    assert by_file["same.csv"] == by_file["same.xlsx"] and len(by_file["same.csv"]) == len(rows) - 1


def test_whole_numbers_and_blank_rows_read_as_a_person_wrote_them():
    data = as_xlsx([["名称", "床位"], ["", ""], ["某某养老院", "120"]])
    assert rows_from_xlsx(data) == [(3, {"名称": "某某养老院", "床位": "120"}, [])]


def test_the_template_has_the_known_headers_and_imports_nothing_by_itself(fresh_store, tmp_path):
    (tmp_path / "template.xlsx").write_bytes(template_bytes())
    assert rows_from_xlsx(template_bytes()) == []
    report = import_paths(fresh_store, [tmp_path / "template.xlsx"])
    assert (report.records, report.skipped) == (0, [])
    from openpyxl import load_workbook
    assert tuple(c.value for c in load_workbook(io.BytesIO(template_bytes())).active[1]) == TEMPLATE_HEADERS


def test_a_broken_xlsx_is_reported_not_raised(fresh_store, tmp_path):
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    report = import_paths(fresh_store, [tmp_path / "broken.xlsx"])
    assert [str(p) for p in report.skipped] == ["broken.xlsx: not a readable .xlsx file (BadZipFile)"]
