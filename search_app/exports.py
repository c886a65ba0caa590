"""A result set to take away: CSV, JSON Lines and RIS (a row or record per passage), BibTeX (an entry per document
cited, with the pages), written with csv, rispy and bibtexparser; and the reference a journalist pastes.

Everything written here is neutralised where it is written, whatever the metadata holds: a CSV cell that a
spreadsheet would run as a formula gets a leading apostrophe (OWASP's rule), and a line break inside an RIS or
BibTeX field becomes a space, so no title can start a record or field of its own."""

from __future__ import annotations

import csv
import datetime
import io
import itertools
import json
import re

import bibtexparser
import rispy
from bibtexparser.middlewares import LatexEncodingMiddleware
from bibtexparser.model import Entry, Field

from index.models import Document, Hit, passage_key
from ingest.findings import criticised

FORMATS = {  # format -> (content type, file extension)
    "csv": ("text/csv; charset=utf-8", "csv"),
    "jsonl": ("application/x-ndjson; charset=utf-8", "jsonl"),
    "ris": ("application/x-research-info-systems; charset=utf-8", "ris"),
    "bibtex": ("application/x-bibtex; charset=utf-8", "bib"),
}
CSV_COLUMNS = ("rank", "score", "quote", "title", "publisher", "date", "kind", "document_id", "page_label", "page",
               "section", "local_authority", "judgement", "section_judgement", "roles", "finding", "criticism", "citation",
               "link", "passage_id", "passage_key", "publisher_url", "inspection_start", "inspection_end", "ocr",
               "ocr_confidence", "path", "parent", "sender")  # fmt: skip
CATALOGUE_COLUMNS = ("id", "title", "publisher", "date", "kind", "local_authority", "judgement", "inspection_start",
                     "inspection_end", "pages", "passages", "with_finding", "path", "source", "licence", "publisher_url",
                     "url")  # fmt: skip
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what makes a spreadsheet read a cell as a formula (OWASP)
BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")  # every line break Python's splitlines knows
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
    where = document.location(page_label)
    page = f", {where}" if where else ""
    accessed = f"{today.day} {today:%B %Y}"
    return f"{author} ({year(document)}) {document.title}{page}. Available at: {url} (Accessed: {accessed})."


def filename(query: str, extension: str) -> str:
    """search-<the query's words>.<extension>, safe on every system."""
    words = "-".join(re.findall(r"[a-z0-9]+", query.lower()))[:60].strip("-") or "results"
    return f"search-{words}.{extension}"


def cell(value):
    """A CSV cell no spreadsheet runs: text that would start a formula gets a leading apostrophe."""
    return f"'{value}" if isinstance(value, str) and value.startswith(FORMULA_START) else value


def one_line(text: str) -> str:
    """Text with every line break made a space: an RIS or BibTeX field that cannot start another."""
    return BREAKS.sub(" ", text)


def csv_text(rows: list[dict], columns: tuple[str, ...] = CSV_COLUMNS) -> str:
    """CSV with a byte-order mark, so that Excel reads it as UTF-8; every cell neutralised."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows({name: cell(value) for name, value in row.items()} for row in rows)
    return out.getvalue()


def csv_lines(rows, columns: tuple[str, ...] = CSV_COLUMNS):
    """csv_text's lines one row at a time (the byte-order mark and header first), for a streamed download."""
    yield csv_text([], columns)
    for row in rows:
        yield csv_text([row], columns).split("\n", 1)[1]


def csv_row(hit: Hit, link: str) -> dict:
    """One passage as a CSV row."""
    document, passage = hit.document, hit.passage
    return {
        "rank": hit.rank, "score": hit.score, "quote": passage.text, "title": document.title,
        "publisher": document.publisher, "date": document.date, "kind": document.kind, "document_id": document.id,
        "page_label": passage.page_label, "page": passage.page, "section": passage.section,
        "local_authority": document.local_authority, "judgement": document.judgements.get("overall", ""),
        "section_judgement": passage.section_judgement, "roles": "; ".join(passage.roles), "link": link,
        "finding": passage.finding,
        "criticism": " ".join(passage.text[a:b] for a, b, _ in criticised(passage)),
        "passage_id": passage.id, "passage_key": passage_key(passage), "publisher_url": document.publisher_url,
        "inspection_start": document.inspection_start, "inspection_end": document.inspection_end,
        "ocr": "yes" if passage.ocr else "", "ocr_confidence": passage.confidence if passage.ocr else "",
        "path": document.path, "parent": document.parent, "sender": document.sender,
    }  # fmt: skip


def cited_documents(hits: list[Hit]) -> list[tuple[Document, list[str]]]:
    """Each document cited, in rank order of its first passage, with the page labels cited from it."""
    pages: dict[str, tuple[Document, list[str]]] = {}
    for hit in hits:
        document, labels = pages.setdefault(hit.document.id, (hit.document, []))
        label = hit.passage.page_label or str(hit.passage.page)
        if document.paged and label not in labels:
            labels.append(label)
    return list(pages.values())


class RisWriter(rispy.RisWriter):
    """rispy's writer without its "1." line before each record (not RIS; Zotero skips it, others may not)."""

    def set_header(self, count: int) -> str:
        return ""


def ris_text(hits: list[Hit], links: dict[int, str]) -> str:
    """A record per passage: the document as the work, the quote as its abstract, the page, and links to the
    publisher's page (where known) and to the passage."""
    entries = []
    for hit in hits:
        document, passage = hit.document, hit.passage
        entry = {"type_of_reference": RIS_TYPES.get(document.kind, "GEN"), "title": document.title,
                 "authors": [document.publisher or "Anonymous"], "publisher": document.publisher,
                 "year": year(document), "date": document.date, "abstract": passage.text,
                 "urls": [url for url in (document.publisher_url, links[passage.id]) if url],
                 "notes": [f"Passage {passage_key(passage)}, rank {hit.rank}"]
                 + ([f"Inspected {document.inspection_start} to {document.inspection_end}"]
                    if document.inspection_start else [])}  # fmt: skip
        if document.paged:
            entry["start_page"] = passage.page_label or str(passage.page)
        entries.append({tag: [one_line(v) for v in value] if isinstance(value, list) else one_line(value)
                        for tag, value in entry.items() if value})  # fmt: skip
    return rispy.dumps(entries, implementation=RisWriter)


def bibtex_text(hits: list[Hit], urls: dict[str, str]) -> str:
    library = bibtexparser.Library()
    keys: set[str] = set()
    for document, pages in cited_documents(hits):
        base = re.sub(r"[^a-z0-9]", "", (document.publisher or "anon").lower())[:20] + year(document)
        key = next(f"{base}{suffix}" for suffix in suffixes() if f"{base}{suffix}" not in keys)
        keys.add(key)
        author = one_line(document.publisher or "Anonymous")
        fields = [Field("title", one_line(document.title)), Field("institution", author), Field("year", year(document)),
                  Field("url", document.publisher_url or urls[document.id])]  # fmt: skip
        if pages:
            fields.append(Field("pages", ", ".join(pages)))
        library.add(Entry("techreport", key, fields))
    encoding = LatexEncodingMiddleware(enclose_urls=False)  # url = {https://…}, as biblatex and Zotero read it
    return bibtexparser.write_string(library, prepend_middleware=[encoding])


def suffixes():
    """ "", a…z, then 1, 2, 3…: as many BibTeX keys for one publisher and year as there are documents."""
    yield from ["", *"abcdefghijklmnopqrstuvwxyz"]
    yield from map(str, itertools.count(1))


def jsonl_text(items: list[dict]) -> str:
    return "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
