"""Fixtures of every format a newsroom receives, made with the real tools (python-docx, odfpy, openpyxl, the
email library, aspose-email-foss for Outlook .msg, zipfile, msoffcrypto-tool, pypdfium2 and Pillow for scans),
and broken or hostile ones."""

from __future__ import annotations

import csv
import io
import zipfile
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import docx
import msoffcrypto
import openpyxl
import pypdfium2
from aspose.email_foss import msg
from odf.opendocument import OpenDocumentSpreadsheet, OpenDocumentText
from odf.style import Style, TextProperties
from odf.table import Table, TableCell, TableRow
from odf.text import H, P

OLE_HEAD = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # how an old binary Office file starts
LEAVERS = "Care leavers in Kent told us their personal advisers changed three times in a year."
HOMELESS = "Not all 16 and 17 year olds who present as homeless are offered accommodation the same day."


def word(path: Path) -> Path:
    document = docx.Document()
    document.core_properties.title = "Response to a request under the Freedom of Information Act"
    document.add_heading("Care leavers", level=1)
    document.add_paragraph(LEAVERS)
    document.add_paragraph("The council has since appointed four more advisers.")
    document.add_heading("Homeless young people", level=1)
    document.add_paragraph(HOMELESS)
    table = document.add_table(rows=2, cols=2)
    for row, (a, b) in zip(table.rows, [("Year", "Referrals"), ("2024", "312")]):
        row.cells[0].text, row.cells[1].text = a, b
    document.save(path)
    return path


def odt(path: Path) -> Path:
    document = OpenDocumentText()
    heading = Style(name="Heading 1", family="paragraph")
    heading.addElement(TextProperties(fontsize="16pt"))
    document.styles.addElement(heading)
    document.text.addElement(H(outlinelevel=1, stylename=heading, text="Care leavers"))
    document.text.addElement(P(text=LEAVERS))
    document.text.addElement(H(outlinelevel=1, stylename=heading, text="Homeless young people"))
    document.text.addElement(P(text=HOMELESS))
    document.save(str(path))
    return path


def rtf(path: Path) -> Path:
    """RTF as word processors write it: control words, a curly apostrophe escaped, paragraphs by \\par."""
    path.write_text(
        "{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times New Roman;}}\n"
        "{\\b Care leavers\\par}\n" + LEAVERS + "\\par\nThe council\\rquote s reply followed.\\par\n"
        "{\\b Homeless young people\\par}\n" + HOMELESS + "\\par\n}",
        encoding="ascii",
    )
    return path


ROWS = [("Council", "Care leavers", "Advisers", "Note")] + [
    (f"Council {n}", 100 + n, n % 7, "in touch" if n % 2 else "not in touch") for n in range(1, 41)
]


def xlsx(path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Leavers"
    for row in ROWS:
        sheet.append(row)
    sheet["F2"] = "=B2*2"  # a formula: its value as last calculated is what is read, never the formula
    other = book.create_sheet("Notes")
    other.append(["Topic", "Finding"])
    other.append(["Homelessness", HOMELESS])
    book.save(path)
    return path


def ods(path: Path) -> Path:
    book = OpenDocumentSpreadsheet()
    table = Table(name="Leavers")
    for row in ROWS[:6]:
        line = TableRow()
        for value in row:
            if isinstance(value, int):
                item = TableCell(valuetype="float", value=value)
            else:
                item = TableCell(valuetype="string")
            item.addElement(P(text=str(value)))
            line.addElement(item)
        table.addElement(line)
    table.addElement(TableRow(numberrowsrepeated=1048000))  # the filler LibreOffice writes to a sheet's end
    book.spreadsheet.addElement(table)
    book.save(str(path))
    return path


def csv_file(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(ROWS)
    return path


def email(path: Path, attachments: dict[str, bytes], html: bool = False) -> Path:
    message = EmailMessage()
    message["From"] = "Press Office <press@kent.example.gov.uk>"
    message["To"] = "newsdesk@paper.example.co.uk"
    message["Subject"] = "FOI 2024/118: care leavers' advisers"
    message["Date"] = "Tue, 14 May 2024 09:30:00 +0100"
    if html:
        message.set_content(f"<html><body><p>{LEAVERS}</p></body></html>", subtype="html")
    else:
        message.set_content(f"Dear newsdesk,\n\n{LEAVERS}\n\nThe figures are attached.\n")
    for name, data in attachments.items():
        maintype, subtype = ("text", "plain") if name.endswith(".txt") else ("application", "octet-stream")
        if maintype == "text":
            message.add_attachment(data.decode(), subtype=subtype, filename=name)
        else:
            message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    path.write_bytes(bytes(message))
    return path


def outlook(path: Path, source: Path) -> Path:
    """An Outlook .msg of an .eml message, written by aspose-email-foss (the message, its headers, attachments)."""
    parsed = message_from_bytes(source.read_bytes(), policy=policy.default)
    msg.MapiMessage.from_email_message(parsed).save(str(path))
    return path


def archive(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in members.items():
            package.writestr(name, data)
    return path


def zip_bomb(path: Path, megabytes: int = 64) -> Path:
    """One member of zeros: tens of MB packed into tens of KB (a ratio near 1,000)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package, package.open("zeros.txt", "w") as member:
        block = b"\0" * (1 << 20)
        for _ in range(megabytes):
            member.write(block)
    return path


def macro_enabled(path: Path, source: Path) -> Path:
    """A Word package with a VBA project in it (as Word saves a .docm)."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w") as package:
        for item in original.infolist():
            package.writestr(item, original.read(item))
        package.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0 not run")
    return path


def password_protected(path: Path, source: Path) -> Path:
    """A Word document encrypted with a password, as Office does (msoffcrypto-tool)."""
    plain = msoffcrypto.OfficeFile(io.BytesIO(source.read_bytes()))
    with path.open("wb") as out:
        plain.encrypt("secret", out)
    return path


def truncated(path: Path, source: Path) -> Path:
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def tiff(path: Path, pdf: Path, pages: list[int], dpi: int = 150) -> Path:
    """A multi-page TIFF of a corpus PDF's pages, as a scanner writes one (a frame a page)."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        frames = [document[n - 1].render(scale=dpi / 72, grayscale=True).to_pil() for n in pages]
    finally:
        document.close()
    frames[0].save(path, save_all=True, append_images=frames[1:], compression="tiff_deflate", dpi=(dpi, dpi))
    return path


def scan(path: Path, pdf: Path, page: int = 1, dpi: int = 200) -> Path:
    """A corpus PDF's page rasterised: a PDF (or image, by `path`'s suffix) with no text layer."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[page - 1].render(scale=dpi / 72, grayscale=True).to_pil()
    finally:
        document.close()
    image.save(path, resolution=dpi) if path.suffix == ".pdf" else image.save(path)
    return path
