"""A result set to take away: CSV and JSON Lines (a row per passage), RIS and BibTeX (an entry per document cited,
with the pages), written with csv, rispy and bibtexparser; and the reference a journalist pastes."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re

import bibtexparser
import rispy
from bibtexparser.middlewares import LatexEncodingMiddleware
from bibtexparser.model import Entry, Field

from index.models import Document, Hit

FORMATS = {  # format -> (content type, file extension)
    "csv": ("text/csv; charset=utf-8", "csv"),
    "jsonl": ("application/x-ndjson; charset=utf-8", "jsonl"),
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris"),
    "bibtex": ("application/x-bibtex; charset=utf-8", "bib"),
}
CSV_COLUMNS = ("rank", "quote", "title", "publisher", "date", "page_label", "page", "section", "local_authority",
               "judgement", "section_judgement", "roles", "citation", "link", "publisher_url")  # fmt: skip
RIS_TYPES = {"guidance": "GOVDOC", "inspection": "RPRT", "report": "RPRT", "survey write-up": "RPRT", "news": "NEWS",
             "commentary": "BLOG", "summary": "RPRT"}  # fmt: skip


def year(document: Document) -> str:
    return document.date[:4] if document.date else "n.d."


def reference(document: Document, page_label: str, url: str, today: datetime.date | None = None) -> str:
    """A Harvard-style reference, as UK journalists and researchers write them:
    'Ofsted (2024) Inspection of Halton local authority children's services, p. 5. Available at: URL
    (Accessed: 23 November 2026).' URL is the publisher's page where known, else `url` (our page)."""
    today = today or datetime.date.today()
    url = document.publisher_url or url
    author = document.publisher or "Anonymous"
    page = f", p. {page_label}" if page_label and document.is_pdf else ""
    accessed = f"{today.day} {today:%B %Y}"
    return f"{author} ({year(document)}) {document.title}{page}. Available at: {url} (Accessed: {accessed})."


def filename(query: str, extension: str) -> str:
    """search-<the query's words>.<extension>, safe on every system."""
    words = "-".join(re.findall(r"[a-z0-9]+", query.lower()))[:60].strip("-") or "results"
    return f"search-{words}.{extension}"


def csv_text(rows: list[dict]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def csv_row(hit: Hit, link: str) -> dict:
    """One passage as a CSV row."""
    document, passage = hit.document, hit.passage
    return {
        "rank": hit.rank, "quote": passage.text, "title": document.title, "publisher": document.publisher,
        "date": document.date, "page_label": passage.page_label, "page": passage.page, "section": passage.section,
        "local_authority": document.local_authority, "judgement": document.judgements.get("overall", ""),
        "section_judgement": passage.section_judgement, "roles": "; ".join(passage.roles), "link": link,
        "publisher_url": document.publisher_url,
    }  # fmt: skip


def cited_documents(hits: list[Hit]) -> list[tuple[Document, list[str]]]:
    """Each document cited, in rank order of its first passage, with the page labels cited from it."""
    pages: dict[str, tuple[Document, list[str]]] = {}
    for hit in hits:
        document, labels = pages.setdefault(hit.document.id, (hit.document, []))
        label = hit.passage.page_label or str(hit.passage.page)
        if document.is_pdf and label not in labels:
            labels.append(label)
    return list(pages.values())


def ris_text(hits: list[Hit], urls: dict[str, str]) -> str:
    entries = []
    for document, pages in cited_documents(hits):
        entry = {"type_of_reference": RIS_TYPES.get(document.kind, "GEN"), "title": document.title,
                 "authors": [document.publisher or "Anonymous"], "publisher": document.publisher,
                 "year": year(document), "date": document.date,
                 "urls": [url for url in (document.publisher_url, urls[document.id]) if url]}  # fmt: skip
        if pages:
            entry |= {"start_page": pages[0], "notes": [f"Pages cited: {', '.join(pages)}"]}
        entries.append(entry)
    return rispy.dumps(entries)


def bibtex_text(hits: list[Hit], urls: dict[str, str]) -> str:
    library = bibtexparser.Library()
    keys: set[str] = set()
    for document, pages in cited_documents(hits):
        base = re.sub(r"[^a-z0-9]", "", (document.publisher or "anon").lower())[:20] + year(document)
        key = next(f"{base}{suffix}" for suffix in ["", *"abcdefghijklmnopqrstuvwxyz", *map(str, range(100))]
                   if f"{base}{suffix}" not in keys)  # fmt: skip
        keys.add(key)
        fields = [Field("title", document.title), Field("institution", document.publisher or "Anonymous"),
                  Field("year", year(document)), Field("url", document.publisher_url or urls[document.id])]  # fmt: skip
        if pages:
            fields.append(Field("pages", ", ".join(pages)))
        library.add(Entry("techreport", key, fields))
    return bibtexparser.write_string(library, prepend_middleware=[LatexEncodingMiddleware()])


def jsonl_text(items: list[dict]) -> str:
    return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
