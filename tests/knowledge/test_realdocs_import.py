"""The real-documents corpus (tests/data/realdocs) imports faithfully: golden metadata and
records per document, no page chrome in any record, no duplicates on re-import.

golden.json is written by bench/realdocs_golden.py and checked by hand against each document.
"""
from __future__ import annotations

import json

import pytest

from knowledge.importing import import_paths, read_file
from knowledge.regions import NATIONAL

from tests.realdocs import DOCS, document_files, expected_of

GOLDEN = json.loads((DOCS / "golden.json").read_text(encoding="utf-8"))
FILES = document_files()
# Words of site furniture that never belong to a document's own text.
CHROME = ("版权所有", "Copyright", "ICP备", "网站标识码", "公网安备", "当前位置", "您的位置", "打印本页", "关闭窗口",
          "主办单位：", "承办单位：", "技术支持：", "扫一扫", "分享到", "上一篇", "下一篇", "网站地图", "联系我们",
          "alert(", "javascript:", "PDF格式下载", "取消收藏", "<!--", "INFO END")


def test_the_corpus_has_many_places_and_formats():
    assert len(FILES) >= 30
    assert len({path.suffix for path in FILES}) >= 4


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_a_document_imports_as_its_golden_file_says(path):
    assert path.name in GOLDEN, f"no golden entry for {path.name}: run bench/realdocs_golden.py"
    golden = GOLDEN[path.name]
    expected = {key: value for key, value in golden.items() if key not in ("names_no_region", "no_title_line")}
    assert expected_of(path) == expected


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_a_region_and_a_title_are_found_unless_the_document_has_none(path):
    golden = GOLDEN[path.name]
    if "regions" in golden:
        assert all(golden["regions"]) or golden["names_no_region"]
        return
    assert golden["region"] or golden["names_no_region"], "empty region: the document names its place?"
    assert golden["title_basis"] != "file" or golden["no_title_line"], "a file name as title"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_record_holds_page_chrome_or_is_empty(path):
    records = read_file(path, None, NATIONAL, 50 * 1024 * 1024).parsed.records
    for record in records:
        assert record.text.strip(), f"{record.id}: empty text (title {record.title!r})"
        found = [word for word in CHROME if word in record.title + record.text]
        assert not found, f"{record.id}: {found} in {record.text[:80]!r}"


def test_importing_the_corpus_twice_changes_nothing(fresh_store):
    first = import_paths(fresh_store, FILES)
    second = import_paths(fresh_store, FILES)
    assert first.records == second.records > 0 and not first.skipped
    assert (second.changes["inserted"], second.changes["updated"], second.changes["retired"]) == (0, 0, 0)


def test_listed_institutions_are_named_once_per_document():
    for path in FILES:
        records = read_file(path, None, NATIONAL, 50 * 1024 * 1024).parsed.records
        names = [(r.title, r.attrs.get("address", "")) for r in records if r.kind in ("service", "base")]
        assert len(names) == len(set(names)), path.name
