"""JSON files: either records in the export format (what `advisor export` writes and the
curated knowledge uses) or a plain array of directory rows like a CSV's."""
from __future__ import annotations

import json
import re

from knowledge.importers.directories import ParsedRows, Problem, canonical_header, row_to_record
from knowledge.records import Record, RecordError
from knowledge.regions import Region


def parse_json(file: str, text: str, kind: str | None, region: Region) -> ParsedRows:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return ParsedRows(problems=[Problem(file, error.lineno, f"invalid JSON: {error.msg}")])
    defaults, items = _unwrap(data)
    if items is None:
        return ParsedRows(problems=[Problem(file, 1, "expected an array of records/rows or {\"records\": [...]}")])
    if kind:
        defaults["kind"] = kind
    if region.code:
        defaults["region"] = region.name
    result = ParsedRows()
    for number, item in enumerate(items, 1):
        line = _line_of_item(text, item, number)
        try:
            result.records.append(_item_to_record(file, line, item, defaults, kind, region))
        except RecordError as error:
            result.problems.append(Problem(file, line, f"item {number}: {error}"))
    return result


def _unwrap(data) -> tuple[dict, list | None]:
    if isinstance(data, list):
        return {}, data
    if isinstance(data, dict) and isinstance(data.get("records"), list):
        return {k: data[k] for k in ("source", "region", "kind") if k in data}, data["records"]
    if isinstance(data, dict) and any(canonical_header(str(key)) == "name" for key in data):
        return {}, [data]  # one row on its own: a single institution or service saved as an object
    return {}, None


def _item_to_record(file: str, line: int, item, defaults: dict, kind: str | None, region: Region) -> Record:
    if not isinstance(item, dict):
        raise RecordError("not an object")
    if _is_record(item):
        return Record.from_dict(item, defaults)
    return row_to_record(file, line, item, kind, region)


def _is_record(item: dict) -> bool:
    """Export-format records have id, title and text; directory rows have a name column."""
    return all(key in item for key in ("id", "title", "text"))


def _line_of_item(text: str, item, number: int) -> int:
    """Best-effort source line of an array item: where its id or name first appears."""
    key = None
    if isinstance(item, dict):
        key = item.get("id") or next((v for k, v in item.items() if canonical_header(str(k)) == "name"), None)
    if isinstance(key, str) and key:
        match = re.search(re.escape(json.dumps(key, ensure_ascii=False)), text)
        if match:
            return text.count("\n", 0, match.start()) + 1
    return 0
