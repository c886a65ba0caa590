"""Email: .eml (the standard library's email package) and Outlook .msg (extract-msg). The message is a document
of its own (subject as title, date, From, To and Cc kept as metadata, the body as its text, an HTML-only body
read as HTML is); each attachment is read by its own format's loader into a document of its own, linked to the
message (`parent`) and named after it: "inbox/reply.eml/letter.pdf", id "reply:letter.pdf"."""

from __future__ import annotations

import email
import email.policy
import email.utils
from pathlib import Path

from bs4 import BeautifulSoup

from index.models import Document
from ingest.errors import LoadError
from ingest.layout import clean_text, find_headings, single_page, title_from_filename
from ingest.members import Bundle, Limits, Reader, take_members


def message_document(path: Path, subject: str, sender: str, recipients: str, date: str, body: str, html: bool) -> Document:
    """The message itself as a document: its body's text."""
    if html:
        body = BeautifulSoup(body, "html.parser").get_text("\n")
    text = clean_text(body) or clean_text(subject)
    if not text:
        raise LoadError(path, "an email with neither body nor subject", "check that it is the whole message")
    return Document(id=path.stem, path=path.name, title=subject.strip() or title_from_filename(path.stem), date=date,
                    text=text, pages=single_page(text), headings=find_headings(text), sender=sender,
                    recipients=recipients)  # fmt: skip


def iso_date(value) -> str:
    """An email Date header (text or datetime) as YYYY-MM-DD, or "" when it cannot be read."""
    try:
        moment = value if hasattr(value, "date") else email.utils.parsedate_to_datetime(str(value))
        return moment.date().isoformat()
    except (TypeError, ValueError, IndexError):
        return ""


def load_eml(path: Path, limits: Limits, read: Reader, depth: int = 0) -> Bundle:
    data = path.read_bytes()
    if not data.strip():
        raise LoadError(path, "empty file", "remove it or replace it with the whole message")
    message = email.message_from_bytes(data, policy=email.policy.default)
    if not any(message.get(h) for h in ("From", "Subject", "Date", "To")):
        raise LoadError(path, "not an email (no From, To, Subject or Date header)", "check the file is a saved .eml message")
    part = message.get_body(preferencelist=("plain", "html"))
    try:
        body = part.get_content() if part is not None else ""
    except (LookupError, ValueError):  # an unknown charset
        body = part.get_payload(decode=True).decode("latin-1") if part is not None else ""
    recipients = ", ".join(str(message.get(h)) for h in ("To", "Cc") if message.get(h))
    html = part is not None and part.get_content_subtype() == "html"
    subject, sender = str(message.get("Subject") or ""), str(message.get("From") or "")
    document = message_document(path, subject, sender, recipients, iso_date(message.get("Date")), body, html)
    attachments = []
    for index, attachment in enumerate(message.iter_attachments(), start=1):
        payload = attachment.get_payload(decode=True) or b""
        attachments.append((attachment.get_filename() or f"attachment-{index}", payload))
    return take_members(path, document, attachments, limits, read, depth)


def load_msg(path: Path, limits: Limits, read: Reader, depth: int = 0) -> Bundle:
    import extract_msg  # noqa: PLC0415 (slow to import: only when there is a .msg to read)

    try:
        message = extract_msg.openMsg(str(path))
    except Exception as error:
        raise LoadError(path, f"not a readable Outlook message ({error})", "replace it with a complete copy") from None
    try:
        html = not (message.body or "").strip() and bool(message.htmlBody)
        body = message.htmlBody.decode("utf-8", "replace") if html else message.body or ""
        recipients = ", ".join(x for x in (message.to, message.cc) if x)
        document = message_document(path, message.subject or "", message.sender or "", recipients,
                                    iso_date(message.date) if message.date else "", body, html)  # fmt: skip
        attachments = [
            (a.longFilename or a.shortFilename or f"attachment-{i}", a.data if isinstance(a.data, bytes) else b"")
            for i, a in enumerate(message.attachments, start=1)
        ]
    finally:
        message.close()
    return take_members(path, document, attachments, limits, read, depth)
