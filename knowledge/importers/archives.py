"""Zip-bomb checks for the Office formats (.docx, .xlsx are zip archives of XML).

A 214 KB .docx can hold 50 MB of XML that pins a worker for minutes while python-docx parses
it. Before any parser opens such a file, its central directory is read (cheap: no member is
inflated) and the file is refused when it would inflate past a size, a ratio or a member count
that no real policy document or spreadsheet reaches. The declared sizes can be trusted as an
upper bound: Python's zipfile never yields more bytes for a member than its declared size (it
truncates and then fails the CRC check), and every reader here uses zipfile.
"""
from __future__ import annotations

import io
import zipfile

MAX_UNCOMPRESSED = 64 * 1024 * 1024  # all members together, inflated
MAX_RATIO = 100  # inflated / compressed, for a member big enough to matter
RATIO_FLOOR = 1024 * 1024  # members smaller than this may compress as well as they like
MAX_MEMBERS = 5000


class ArchiveError(ValueError):
    """An archive refused before parsing; the message is the importer's reason (English)."""


def check_office_archive(data: bytes) -> None:
    """Raise ArchiveError when `data` is a zip that would inflate too far; other bytes pass
    (the format's own reader reports a file that is not a zip at all)."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    if len(members) > MAX_MEMBERS:
        raise ArchiveError(f"zip archive has {len(members)} members (limit {MAX_MEMBERS})")
    total = sum(member.file_size for member in members)
    if total > MAX_UNCOMPRESSED:
        raise ArchiveError(f"zip archive inflates to {total} bytes (limit {MAX_UNCOMPRESSED})")
    for member in members:
        _check_ratio(member)


def _check_ratio(member: zipfile.ZipInfo) -> None:
    if member.file_size < RATIO_FLOOR:
        return
    ratio = member.file_size / max(member.compress_size, 1)
    if ratio > MAX_RATIO:
        raise ArchiveError(f"zip archive member {member.filename} inflates {ratio:.0f}-fold (limit {MAX_RATIO})")
