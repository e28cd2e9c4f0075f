"""`advisor import`: read every file first, then write everything in one transaction.

Reading and parsing happen before the first write, so a bad file costs only itself; the writes
then commit together, so killing an import half-way leaves the store exactly as it was.
A file that was imported before and has lost some of its records retires them (history kept).
With `keep_edits` (the shipped knowledge, `advisor init`) a record an advisor changed or retired
since the last import stays as they left it (see `knowledge.importers.edits`).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from knowledge.importers.directories import ParsedRows, Problem, row_to_record, rows_from_csv
from knowledge.importers.dedupe import KnownRecords
from knowledge.importers.edits import CONFLICT, advisor_claim
from knowledge.importers.documents import DocumentInfo, parse_document_file
from knowledge.importers.jsonfiles import parse_json
from knowledge.importers.spreadsheets import rows_from_xlsx
from knowledge.importers.readers import DOCUMENT_SUFFIXES, ReadError
from knowledge.importers.textio import DecodeError, decode
from knowledge.records import Record, RecordError
from knowledge.regions import NATIONAL, Region, resolve
from knowledge.store import Store, now

SUFFIXES = DOCUMENT_SUFFIXES + (".csv", ".xlsx", ".json")
Progress = Callable[[int, int], None]


@dataclass
class Batch:
    """What one file contributes: its records and whether absent old ones should retire."""

    origin: str
    parsed: ParsedRows
    retire_missing: bool
    document: DocumentInfo | None = None

    @property
    def clauses(self) -> int:
        return self.document.clauses if self.document else 0


@dataclass
class ImportReport:
    files: int = 0
    documents: int = 0
    clauses: int = 0
    records: int = 0
    changes: Counter = field(default_factory=Counter)
    skipped: list[Problem] = field(default_factory=list)
    document_list: list[DocumentInfo] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # ids whose release met an advisor's edit

    def summary(self) -> dict:
        return {"files": self.files, "documents": self.documents, "clauses": self.clauses, "records": self.records,
                **{k: self.changes[k] for k in ("inserted", "updated", "unchanged", "retired", "known", "kept")},
                "conflicts": self.conflicts, "skipped": [str(p) for p in self.skipped],
                "document_list": [_document_row(info) for info in self.document_list]}


def _document_row(info: DocumentInfo) -> dict:
    return {"file": info.file, "title": info.title, "region": info.region.name, "region_basis": info.region_basis,
            "doc_no": info.doc_no, "date": info.date, "records": info.records, "known": info.known,
            "warnings": info.warnings()}


def expand(paths: Iterable[str | Path]) -> list[Path]:
    """Files named directly, plus supported files found under named directories."""
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file()))
        else:
            found.append(path)
    return found


def read_file(path: Path, kind: str | None, region: Region, max_bytes: int) -> Batch:
    """Parse one file into a Batch; problems are collected, never raised."""
    origin, name = f"file:{path.name}", path.name
    try:
        if path.stat().st_size > max_bytes:
            return Batch(origin, ParsedRows(problems=[Problem(name, 0, f"larger than {max_bytes} bytes")]), False)
        data = path.read_bytes()
    except OSError as error:
        return Batch(origin, ParsedRows(problems=[Problem(name, 0, f"cannot read: {error.strerror}")]), False)
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return Batch(origin, _directory_rows(name, rows_from_csv(decode(data)), kind, region), True)
        if suffix == ".xlsx":
            return Batch(origin, _directory_rows(name, rows_from_xlsx(data), kind, region), True)
        if suffix == ".json":
            return Batch(origin, parse_json(name, decode(data), kind, region), False)
        if suffix in DOCUMENT_SUFFIXES:
            parsed, document = parse_document_file(path, data, kind, region)
            return Batch(origin, parsed, True, document)
    except (DecodeError, ReadError) as error:
        return Batch(origin, ParsedRows(problems=[Problem(name, error.line, str(error))]), False)
    supported = " ".join(SUFFIXES)
    return Batch(origin, ParsedRows(problems=[Problem(name, 0, f"unsupported file type (use {supported})")]), False)


def _directory_rows(name: str, rows, kind: str | None, region: Region) -> ParsedRows:
    result = ParsedRows()
    for line, row, extra_cells in rows:
        if extra_cells:
            result.problems.append(Problem(name, line, f"{len(extra_cells)} more cell(s) than the header has"))
            continue
        try:
            result.records.append(row_to_record(name, line, row, kind, region))
        except RecordError as error:
            result.problems.append(Problem(name, line, str(error)))
    return result


def import_paths(store: Store, paths: Iterable[str | Path], *, kind: str | None = None, region: str | None = None,
                 actor: str = "cli", max_bytes: int = 50 * 1024 * 1024, progress: Progress | None = None,
                 origin_prefix: str = "", keep_edits: bool = False) -> ImportReport:
    """Import files into the store as one transaction and report what happened. With
    `keep_edits`, records changed or retired by anyone but `actor` since it wrote them stay."""
    started, report = now(), ImportReport()
    region_filter = resolve(region) if region else NATIONAL
    files = expand(paths)
    batches = [read_file(path, kind, region_filter, max_bytes) for path in files]
    report.files = len(files)
    for batch in batches:
        report.skipped.extend(batch.parsed.problems)
        report.clauses += batch.clauses
        report.documents += bool(batch.clauses)
        if batch.document and batch.parsed.records:
            report.document_list.append(batch.document)
        report.records += len(batch.parsed.records)
    total = sum(len(b.parsed.records) for b in batches)
    with store.transaction():
        _write(store, batches, actor, keep_edits, origin_prefix, report, progress, total)
    # after the records' commit: with ADVISOR_DATABASE_URL the history is in another database,
    # and it must not tell of an import whose commit failed
    store.log_import(actor, started, [str(p) for p in files], report.summary())
    return report


def _write(store: Store, batches: list[Batch], actor: str, keep_edits: bool, origin_prefix: str,
           report: ImportReport, progress: Progress | None, total: int) -> None:
    done = 0
    for batch in batches:
        origin = origin_prefix + batch.origin
        kept, known = set(), KnownRecords(store, batch.parsed.records, origin)
        for record in batch.parsed.records:
            done += 1
            if known.repeats(record):
                report.changes["known"] += 1
                if batch.document:
                    batch.document.known += 1
                continue
            change = _put(store, record, actor, origin, keep_edits)
            report.changes[change] += 1
            if change == CONFLICT:
                report.conflicts.append(record.id)
            kept.add(record.id)
            if progress:
                progress(done, total)
        if batch.retire_missing and batch.parsed.records:
            for old in store.list(origin=origin):
                if old.record.id not in kept and store.retire(old.record.id, actor):
                    report.changes["retired"] += 1


def _put(store: Store, record: Record, actor: str, origin: str, keep_edits: bool) -> str:
    """`Store.put`, unless edits are kept and the stored version is an advisor's (kept/conflict)."""
    return (keep_edits and advisor_claim(store, record, actor)) or store.put(record, actor, origin)
