"""Zip bombs (issue 13, point 9): an Office file that would inflate too far is refused before
any parser opens it, with a reason naming the file; ordinary .docx files still import."""
import io
import zipfile

import pytest

from knowledge.importers import archives
from knowledge.importing import import_paths
from tests.knowledge.test_import_documents import NOTICE, docx_bytes


def _with_member(data: bytes, name: str, payload: bytes) -> bytes:
    """The same .docx with one member replaced (or added), deflated as Word would."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != name:
                target.writestr(item, source.read(item))
        target.writestr(name, payload)
    return out.getvalue()


def _padded_document(data: bytes, megabytes: int) -> bytes:
    """document.xml grown with empty paragraphs: tiny on disk, big once inflated."""
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    padding = b"<w:p/>" * (megabytes * 1024 * 1024 // 6)
    return _with_member(data, "word/document.xml", xml.replace(b"<w:body>", b"<w:body>" + padding, 1))


def _import_one(store, tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return import_paths(store, [path])


def test_a_highly_compressed_docx_is_refused_before_parsing(fresh_store, tmp_path):
    bomb = _padded_document(docx_bytes(NOTICE), 3)
    assert len(bomb) < 200 * 1024
    report = _import_one(fresh_store, tmp_path, "bomb.docx", bomb)
    assert fresh_store.count() == 0
    assert "bomb.docx" in str(report.skipped[0]) and "inflates" in report.skipped[0].reason


def test_a_docx_inflating_past_the_total_limit_is_refused(fresh_store, tmp_path, monkeypatch):
    monkeypatch.setattr(archives, "MAX_UNCOMPRESSED", 256 * 1024)
    report = _import_one(fresh_store, tmp_path, "big.docx", _with_member(docx_bytes(NOTICE), "word/x.xml",
                                                                          b"x" * 300 * 1024))
    assert fresh_store.count() == 0 and "inflates to" in report.skipped[0].reason


def test_a_docx_with_too_many_members_is_refused(fresh_store, tmp_path, monkeypatch):
    monkeypatch.setattr(archives, "MAX_MEMBERS", 20)
    data = docx_bytes(NOTICE)
    for number in range(20):
        data = _with_member(data, f"word/media/m{number}.xml", b"<a/>")
    report = _import_one(fresh_store, tmp_path, "many.docx", data)
    assert fresh_store.count() == 0 and "members" in report.skipped[0].reason


def test_an_ordinary_docx_still_imports(fresh_store, tmp_path):
    report = _import_one(fresh_store, tmp_path, "notice.docx", docx_bytes(NOTICE))
    assert not report.skipped and fresh_store.count() > 0


@pytest.mark.parametrize("data", [b"PK\x03\x04 not really a zip", b"plain text"])
def test_bytes_that_are_not_a_zip_are_left_to_the_reader(data):
    archives.check_office_archive(data)  # no error: the format's reader says what is wrong
