"""Readers: each turns one document format into plain text lines for the document parser.

.txt/.md are decoded as they are; .html keeps the visible text of the page; .docx keeps
paragraphs and table rows in body order (cells joined by tabs, as Word's own text export
does); .pdf keeps each page's text without running page numbers.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

from knowledge.importers.archives import ArchiveError, check_office_archive
from knowledge.importers.markdown import markdown_text
from knowledge.importers.webpage import html_text
from knowledge.importers.textio import DecodeError, decode, normalise, simplified

DOCUMENT_SUFFIXES = (".txt", ".md", ".html", ".htm", ".docx", ".pdf")
_PAGE_NUMBER = re.compile(r"^\s*(?:[-—–]\s*\d+\s*[-—–]|第\s*\d+\s*页(?:\s*[/／共]\s*\d+\s*页?)?|\d+\s*/\s*\d+)\s*$")


class ReadError(ValueError):
    """A document that cannot be read; `line` is 1-based or 0 when the file as a whole is bad."""

    def __init__(self, line: int, reason: str):
        super().__init__(reason)
        self.line = line


def read_document(path: Path, data: bytes) -> str:
    """The document's text, in simplified script (see `textio.simplified`)."""
    return simplified(_read(path, data))


def _read(path: Path, data: bytes) -> str:
    suffix = path.suffix.lower()
    try:
        if suffix in (".html", ".htm"):
            return html_text(data)
        if suffix == ".docx":
            return _docx_text(data)
        if suffix == ".pdf":
            return _pdf_text(data)
        if suffix == ".md":
            return markdown_text(decode(data))
        return decode(data)
    except DecodeError as error:
        raise ReadError(error.line, str(error)) from None


def _docx_text(data: bytes) -> str:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        check_office_archive(data)
    except ArchiveError as error:
        raise ReadError(0, str(error)) from None
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # python-docx raises zip, XML and KeyError variants for broken files
        raise ReadError(0, f"not a readable .docx file ({type(error).__name__})") from None
    lines = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            lines.extend("\t".join(_unique_cells(row)) for row in block.rows)
    return normalise("\n".join(lines))


def _unique_cells(row) -> list[str]:
    """Merged cells repeat in python-docx; keep each once."""
    seen, texts = set(), []
    for cell in row.cells:
        if id(cell._tc) not in seen:
            seen.add(id(cell._tc))
            texts.append(cell.text.strip())
    return texts


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        pages = [page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages]
    except (PdfReadError, ValueError, KeyError, OSError) as error:
        raise ReadError(0, f"not a readable PDF ({error})") from None
    if not any(page.strip() for page in pages):
        raise ReadError(0, "PDF has no text layer (scanned image?); OCR is not supported")
    lines = (line for page in pages for line in page.split("\n") if not _PAGE_NUMBER.match(line))
    return normalise("\n".join(lines))
