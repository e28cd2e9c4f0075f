"""The same real document in the formats advisors get it in imports to the same metadata and facts.

The corpus holds each document in the format it was found in; the GB18030 and traditional-script
.txt, the .docx and the .pdf here are made from that text in the test (its words unchanged).
"""
from __future__ import annotations

import io
from pathlib import Path

import pytest
import zhconv

from knowledge.importers.documents import parse_document_file
from knowledge.importers.markdown import markdown_text
from knowledge.regions import NATIONAL

from tests.knowledge.test_import_documents import docx_bytes, pdf_bytes
from tests.realdocs import DOCS

# A regulation (articles, an adoption date) and a notice (disclosure block, 文号, amounts).
CASES = [("b05_haikou_home_care_regulation.md", "每百户建筑面积不低于三十平方米"),
         ("a04_beijing_elderly_allowance_subsidy.txt", "每人每月100元")]


def text_of(name: str) -> str:
    path = DOCS / name
    if not path.exists():
        pytest.skip(f"corpus document {name} is missing")
    text = path.read_text(encoding="utf-8")
    return markdown_text(text) if path.suffix == ".md" else text


def parse(name: str, data: bytes):
    rows, info = parse_document_file(Path(name), data, None, NATIONAL)
    return info, "\n".join(r.title + "\n" + r.text for r in rows.records)


def original(name: str):
    return parse(name, (DOCS / name).read_bytes())


def made(kind: str, text: str) -> tuple[str, bytes]:
    lines = [line for line in text.splitlines() if line.strip()]
    if kind == "gb18030":
        return "doc.txt", text.encode("gb18030")
    if kind == "traditional":
        return "doc.txt", zhconv.convert(text, "zh-hant").encode("utf-8")
    if kind == "docx":
        return "doc.docx", docx_bytes(lines)
    return "doc.pdf", pdf_lines(lines)


def pdf_lines(lines: list[str]) -> bytes:
    """One PDF page per 40 lines, long lines wrapped as a page width wraps them."""
    from pypdf import PdfWriter, PdfReader

    wrapped = [line[i:i + 60] for line in lines for i in range(0, len(line), 60)]
    writer = PdfWriter()
    for start in range(0, len(wrapped), 40):
        writer.add_page(PdfReader(io.BytesIO(pdf_bytes(wrapped[start:start + 40]))).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("kind", ["gb18030", "traditional", "docx", "pdf"])
@pytest.mark.parametrize("name, fact", CASES)
def test_a_real_document_in_another_format_keeps_its_metadata_and_facts(name, fact, kind):
    expected, _ = original(name)
    info, text = parse(*made(kind, text_of(name)))
    assert (info.title, info.region.name, info.doc_no, info.date) == (  # traditional script is read as simplified
        expected.title, expected.region.name, expected.doc_no, expected.date)
    assert fact in zhconv.convert(text.replace(" ", ""), "zh-hans")
    assert abs(info.records - expected.records) <= max(2, expected.records // 10)
