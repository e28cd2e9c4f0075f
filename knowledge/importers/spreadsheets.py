"""Directories kept in Excel (.xlsx): the first sheet's first non-empty row is the header,
every following row a record, exactly as a .csv of the same columns (see `directories`).

Advisors keep their lists of 助餐点 and 养老机构 in Excel far more often than in CSV, so the
console offers an .xlsx template with the headers the importer knows (TEMPLATE_HEADERS).
Cells are read as values (formulas give their last computed result); numbers that are whole
(床位 120.0) are written without a decimal point; dates as 2024-12-26.
"""
from __future__ import annotations

import datetime
import io

from knowledge.importers.archives import ArchiveError, check_office_archive
from knowledge.importers.readers import ReadError

TEMPLATE_HEADERS = ("名称", "类型", "省", "市", "区县", "街道", "地址", "电话", "开放时间", "床位", "收费",
                    "服务对象", "简介", "来源", "日期")


def rows_from_xlsx(data: bytes) -> list[tuple[int, dict[str, str], list[str]]]:
    """(row number, header → value, extra cells) per data row, like `rows_from_csv`."""
    from openpyxl import load_workbook

    try:
        check_office_archive(data)
        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
    except ArchiveError as error:
        raise ReadError(0, str(error)) from None
    except Exception as error:  # openpyxl raises zip, XML, KeyError and IndexError variants for broken files
        raise ReadError(0, f"not a readable .xlsx file ({type(error).__name__})") from None
    header, rows = None, []
    for number, values in enumerate(sheet.iter_rows(values_only=True), 1):
        cells = [_cell(value) for value in values]
        if not any(cells):
            continue
        if header is None:
            header = [cell for cell in cells]
            while header and not header[-1]:
                header.pop()
            continue
        rows.append((number, dict(zip(header, cells)), [c for c in cells[len(header):] if c]))
    return rows


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (datetime.datetime, datetime.date)):
        return value.strftime("%Y-%m-%d")
    return str(value).strip()


def template_bytes() -> bytes:
    """A directory workbook with the known headers, and a second sheet saying what each holds."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "机构名录"
    book.active.append(list(TEMPLATE_HEADERS))
    notes = book.create_sheet("填写说明")
    notes.append(["列名", "填写什么"])
    for header, note in TEMPLATE_NOTES.items():
        notes.append([header, note])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


TEMPLATE_NOTES = {
    "名称": "必填：机构或服务点的全称", "类型": "如 养老机构、助餐点、日间照料中心；写“补贴”或“基地”则按该类记录",
    "省": "可空，如 浙江省", "市": "如 杭州市", "区县": "如 西湖区", "街道": "如 北山街道",
    "地址": "详细地址", "电话": "如 0571-88888888", "开放时间": "如 周一至周五 8:30-17:00",
    "床位": "整数，如 120", "收费": "如 每月2000元起", "服务对象": "谁可以用", "简介": "其他说明",
    "来源": "这份名录出自哪里（文件名或发布单位）", "日期": "名录的日期，如 2024-12-26",
    "（其他列）": "其他列照样导入，按列名显示给老人",
}
