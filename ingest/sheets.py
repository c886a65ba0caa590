"""Spreadsheets: Excel .xlsx (openpyxl, the values last calculated, never the formulas), OpenDocument .ods
(odfpy) and .csv. Each sheet's rows are cut into groups small enough to be one passage each; every group is a
location of its own, "Sheet, rows N–M", and starts with that location and the sheet's header row, so a passage
read alone still says which sheet, which rows and which columns it holds (a group is kept within GROUP_TOKENS, so
the chunker never has to cut one)."""

from __future__ import annotations

import csv
import datetime
import io
from pathlib import Path

import openpyxl
from odf import teletype
from odf.opendocument import load as load_odf
from odf.table import Table, TableCell, TableRow

from index.models import Document, Heading, Page
from ingest.chunking import count_tokens
from ingest.errors import LoadError
from ingest.layout import title_from_filename
from ingest.office import check_package
from ingest.text import decode

GROUP_TOKENS = 120  # a group of rows, its location and header line fit in one passage ([chunking] max_tokens 160)
GROUP_ROWS = 20


def cell(value) -> str:
    """A cell as text: whole numbers without '.0', dates as ISO, line breaks as spaces."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return " ".join(str(value).split())


def tabulated(path: Path, sheets: list[tuple[str, list[tuple[int, list[str]]]]]) -> Document:
    """A Document from each sheet's (row number, cells) rows: the first row with text is the header."""
    parts, pages, headings, pos = [], [], [], 0
    for name, rows in sheets:
        rows = [(number, trimmed(cells)) for number, cells in rows]
        rows = [(number, cells) for number, cells in rows if cells]
        if not rows:
            continue
        header = " | ".join(rows[0][1])
        group: list[tuple[int, str]] = []
        used = count_tokens(f"{name}, rows 100000–100000\n{header}")
        for number, cells in rows[1:] or [rows[0]]:
            line = " | ".join(cells)
            size = count_tokens(line) + 1
            if group and (len(group) >= GROUP_ROWS or used + sum(s for _, _, s in group) + size > GROUP_TOKENS):
                pos = add_group(parts, pages, headings, pos, name, header, group)
                group = []
            group.append((number, line, size))
        pos = add_group(parts, pages, headings, pos, name, header, group)
    if not parts:
        raise LoadError(path, "no cells with text in any sheet", "check that it is the full spreadsheet")
    text = "\n\n".join(parts)
    return Document(id=path.stem, path=path.name, title=title_from_filename(path.stem), text=text, pages=pages,
                    headings=headings)  # fmt: skip


def trimmed(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells = cells[:-1]
    return cells


def add_group(parts, pages, headings, pos: int, sheet: str, header: str, group: list[tuple[int, str, int]]) -> int:
    """Append one group of rows as its own location; returns the offset after it."""
    first, last = group[0][0], group[-1][0]
    label = f"{sheet}, row {first}" if first == last else f"{sheet}, rows {first}–{last}"
    block = "\n".join([label, header, *(line for _, line, _ in group)])
    headings.append(Heading(pos, sheet))
    pages.append(Page(len(pages) + 1, pos, pos + len(block), label))
    parts.append(block)
    return pos + len(block) + 2


def load_xlsx(path: Path) -> Document:
    check_package(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:
        raise LoadError(path, f"not a readable Excel workbook ({error})", "replace it with a complete copy") from None
    try:
        sheets = [
            (
                sheet.title,
                [
                    (number, [cell(v) for v in values])
                    for number, values in enumerate(sheet.iter_rows(values_only=True), start=sheet.min_row or 1)
                ],
            )
            for sheet in book.worksheets
        ]
    finally:
        book.close()
    return tabulated(path, sheets)


def load_ods(path: Path) -> Document:
    check_package(path)
    try:
        book = load_odf(str(path))
    except Exception as error:
        raise LoadError(
            path, f"not a readable OpenDocument spreadsheet ({error})", "replace it with a complete copy"
        ) from None
    return tabulated(
        path,
        [(table.getAttribute("name") or "Sheet", ods_rows(table)) for table in book.spreadsheet.getElementsByType(Table)],
    )


def ods_rows(table) -> list[tuple[int, list[str]]]:
    """A sheet's rows with their numbers; repeated empty rows and cells (ODF repeats them by the million to fill
    a sheet) are counted, never spelled out."""
    rows, number = [], 1
    for row in table.getElementsByType(TableRow):
        repeat = int(row.getAttribute("numberrowsrepeated") or 1)
        cells = []
        for item in row.getElementsByType(TableCell):
            value = ods_value(item)
            times = int(item.getAttribute("numbercolumnsrepeated") or 1)
            cells += [value] * (times if value else min(times, 1))
        cells = trimmed(cells)
        spelled = min(repeat, 1000) if cells else 0
        rows += [(number + i, cells) for i in range(spelled)]
        number += repeat
    return rows


def ods_value(item) -> str:
    kind = item.getAttribute("valuetype")
    if kind in ("float", "percentage", "currency"):
        return cell(float(item.getAttribute("value")))
    if kind == "date":
        return item.getAttribute("datevalue")
    return " ".join(teletype.extractText(item).split())


def load_csv(path: Path) -> Document:
    text = decode(path, path.read_bytes())
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    try:
        rows = [
            (number, [cell(v) for v in values])
            for number, values in enumerate(csv.reader(io.StringIO(text, newline=""), dialect), start=1)
        ]
    except csv.Error as error:
        raise LoadError(path, f"not readable CSV ({error})", "check the file's quoting") from None
    return tabulated(path, [(path.stem, rows)])
