"""The JSON the API answers with, as pydantic models: the OpenAPI document's schemas are generated from these, and
every answer is made by building them and dumping what was set (search_app/api.py), so the two cannot drift."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Answer(BaseModel):
    """A model of an answer: a field it does not declare is a bug, not an extra key."""

    model_config = ConfigDict(extra="forbid")


class ErrorBody(Answer):
    status: int = Field(description="The HTTP status.")
    message: str = Field(description="What was wrong and how to fix it.")


class Error(Answer):
    """The one error shape, for every 4xx and 5xx."""

    error: ErrorBody


class Inspection(Answer):
    start: str = Field(description="First day of the Ofsted inspection visit (ISO date).")
    end: str = Field(description="Last day of the visit (ISO date).")


class DocumentInfo(Answer):
    id: str
    title: str
    publisher: str
    date: str = Field(description="YYYY, YYYY-MM or YYYY-MM-DD, as precise as known.")
    kind: str
    publisher_url: str | None = Field(None, description="The publisher's own page for the document, where known.")
    local_authority: str | None = Field(None, description="Ofsted reports: the council inspected.")
    inspection: Inspection | None = None
    judgements: dict[str, str] | None = Field(
        None, description="Ofsted reports: leaders, help_and_protection, children_in_care, care_leavers, overall."
    )
    path: str = Field(
        "", description="Where it is in the corpus; inside an email or archive, that file's path, then its own."
    )
    parent: str | None = Field(None, description="An email's attachment: the id of the message it came with.")
    sender: str | None = Field(None, description="Emails: the From header.")
    recipients: str | None = Field(None, description="Emails: the To and Cc headers.")


class PlaceDocument(Answer):
    id: str
    title: str


class Place(Answer):
    """Another passage saying the same thing (a folded near-duplicate)."""

    passage_id: int
    document: PlaceDocument
    page: int
    page_label: str
    url: str


class Criticism(Answer):
    """A sentence of a passage that states a shortcoming, and the words that made it one."""

    text: str = Field(description="The sentence, verbatim: text[start:end] of the passage.")
    start: int
    end: int
    phrase: str = Field(description="The critical phrase it holds ('not all', 'too many'…), or 'What needs to "
                        "improve?' for a point of that list.")  # fmt: skip


class Quote(Answer):
    """A quotation a passage holds (or the part of it the passage holds), and who said it."""

    text: str = Field(description="Its words in the passage, verbatim: text[start:end] of the passage.")
    start: int
    end: int
    role: str = Field(description="The speaker role its attribution names.")


class Result(Answer):
    rank: int = Field(description="Position in the whole ranked list, from 1.")
    score: float
    passage_id: int = Field(description="Its row id in this index version.")
    passage_key: str = Field(description="Its lasting name, page.fingerprint: kept across rebuilds.")
    text: str = Field(description="The passage, verbatim.")
    document: DocumentInfo
    page: int = Field(description="Physical page, from 1.")
    page_label: str = Field(
        description="Where the passage is: the page number printed on the page (PDF, scan); in a Word, OpenDocument "
        "or RTF document its paragraphs ('¶ 12–14'); in a spreadsheet its sheet and rows ('Leavers, rows 2–14')."
    )
    ocr: bool = Field(False, description="Read by OCR from a scanned page or image, not from the file's own text.")
    confidence: float | None = Field(None, description="OCR'd passages: Tesseract's mean word confidence, 0-100.")
    section: str
    citation: str
    reference: str = Field(description="A Harvard-style reference to paste: Publisher (Year) Title, p. N. Available at…")
    url: str = Field(description="The passage marked in its document.")
    pdf_url: str | None = Field(None, description="PDFs: the original file at the page.")
    matched_by: list[Literal["keyword", "semantic"]]
    also_in: list[Place]
    role: str | None = Field(None, description="The speaker role of the first quotation it holds.")
    roles: list[str] | None = Field(None, description="The roles of the quotations it holds, in order, each once.")
    quotes: list[Quote] | None = Field(None, description="Each quotation it holds, with its speaker's role.")
    section_judgement: str | None = Field(None, description="The grade its Ofsted section heading carries.")
    finding: Literal["weakness", "strength", "neutral"] | None = Field(
        None, description="Ofsted reports: weakness (it states a shortcoming), strength or neutral; see criticisms."
    )
    criticisms: list[Criticism] | None = Field(None, description="Weaknesses: each sentence that states one.")


class Group(Answer):
    document: DocumentInfo
    count: int = Field(description="Matching passages of this document.")
    passages: list[Result] = Field(description="Its best (up to 3).")


class Bucket(Answer):
    value: str = Field(description="The field's value (a year YYYY or month YYYY-MM for the date histograms).")
    passages: int = Field(description="Matching passages with it.")
    documents: int = Field(description="Documents with a matching passage with it.")


class SearchResponse(Answer):
    query: str
    mode: Literal["hybrid", "keyword", "semantic"]
    index: str = Field(description="The index version searched; pass it as `index` to search it again.")
    total: int = Field(
        description="Passages that match, however many: near-duplicates counted once with fold=on (the list you "
        "page through). Exact for keyword and hybrid; a semantic search counts the nearest it ranked."
    )
    total_relation: Literal["eq", "gte"] = Field(
        description="eq: total is every match; gte: at least this many (a semantic search, whose every passage is "
        "near to some degree, ranks the nearest 1,000 or the depth a cursor reached)."
    )
    passages: int = Field(description="Passages that match, each near-duplicate counted: what facets count.")
    documents: int = Field(description="Documents with a matching passage.")
    offset: int
    k: int
    filters: dict[str, Any]
    match: Literal["words", "meaning", "meaning only", "none"] = Field(
        description="words: passages holding the query's words were found; meaning: a semantic search (nearest "
        "by meaning, whatever the words); meaning only: no passage holds the words, every result was found by "
        "meaning; none: nothing matched."
    )
    notice: str = Field(description="The first of `notices`, or empty.")
    notices: list[str] = Field(
        description="What to know about the results: a council the question names that the collection holds no "
        "report about, a filter value no passage has, how the results were found (meaning only, weak matches)."
    )
    low_confidence: bool = Field(
        description="True when no passage is close to the query in meaning ([search] low_confidence) and none "
        "holds all its words: the corpus may not cover the question."
    )
    suggestion: str
    named_councils: list[str] = Field(
        description="Councils the query names whose Ofsted reports were ranked first (named=on); empty when none."
    )
    next: str | None = Field(description="URL of the next page, or null.")
    previous: str | None
    cursor: str | None = Field(description="Pass as `cursor` for the next page (past 1,000 too), or null at the end.")
    facets: dict[str, dict[str, int]] = Field(
        description="For each filter field, its 100 commonest values' counts of matching passages (over every "
        "match, most first); aggs=<field> gives every value, in passages and documents."
    )
    aggregations: dict[str, list[Bucket]] | None = Field(None, description="With aggs: counts over every match.")
    results: list[Result]
    groups: list[Group] | None = Field(None, description="With group=document: one entry per document.")


class BatchQuery(BaseModel):
    """One query of a batch: an id and any search parameter (repeatable ones as lists)."""

    model_config = ConfigDict(extra="allow")
    id: str = Field(max_length=200)
    q: str = Field(max_length=500)


class BatchRequest(BaseModel):
    queries: list[BatchQuery] = Field(min_length=1, max_length=100)


class BatchAnswer(SearchResponse):
    id: str


class BatchFailure(Answer):
    id: str
    error: ErrorBody


class BatchResponse(Answer):
    index: str
    results: list[BatchAnswer | BatchFailure] = Field(description="One per query, in order.")


class ContextPassage(Answer):
    rank: int
    passage_id: int
    text: str
    citation: str
    url: str


class ContextResponse(Answer):
    query: str
    index: str
    budget: int
    citations: Literal["full", "short"] = Field(
        description="full: each passage followed by its citation; short: numbered, the citations listed at the end."
    )
    tokens: int = Field(description="cl100k_base tokens in `text`; never above `budget`.")
    text: str = Field(description="The passages that fit, best first (a longer one is skipped for a shorter that fits).")
    notice: str = Field(description="Why `text` is empty although passages matched, or empty.")
    passages: list[ContextPassage]


class PassageRecord(Answer):
    """One passage of an index version, as stored: join it to the catalogue by document_id."""

    passage_id: int = Field(description="Its row id in this index version.")
    passage_key: str = Field(description="Its lasting name, page.fingerprint: kept across rebuilds.")
    document_id: str
    page: int
    page_end: int = Field(description="Last physical page it runs onto.")
    page_label: str
    section: str
    section_judgement: str
    roles: list[str]
    finding: str = Field(description="Ofsted reports: weakness, strength or neutral; empty elsewhere.")
    tokens: int
    text: str = Field(description="The passage, verbatim.")
    url: str = Field(description="The passage marked in its document.")


class CouncilRow(Answer):
    """A council's line: its latest Ofsted report's grades and dates, and how many reports it has."""

    council: str
    reports: int
    overall: str
    leaders: str
    help_and_protection: str
    children_in_care: str
    care_leavers: str
    inspection_start: str
    inspection_end: str
    published: str = Field(description="The latest report's publication date.")
    document_id: str = Field(description="The latest report.")
    url: str = Field(description="The council's page.")


class CouncilTable(Answer):
    count: int
    sort: str
    order: Literal["asc", "desc"]
    councils: list[CouncilRow]


class CouncilReport(Answer):
    document: DocumentInfo
    grades: dict[str, str]
    moved: dict[str, Literal["up", "down", "same", ""]] = Field(
        description="How each grade moved since the council's report before (empty for its first)."
    )
    url: str


class Improvement(Answer):
    document_id: str
    page: int
    page_label: str
    text: str = Field(description="The passage, verbatim.")
    citation: str


class CouncilPage(Answer):
    council: str
    reports: list[CouncilReport] = Field(description="Its Ofsted reports, oldest inspection first.")
    needs_to_improve: list[Improvement] = Field(description='Passages under its reports\' "What needs to improve?".')
    search: str = Field(description="The search page scoped to its reports.")


class ComparedCouncil(Answer):
    council: str
    held: bool = Field(description="Whether the collection holds an Ofsted report about it.")
    notice: str | None = Field(None, description="When it is not held, saying so.")
    latest: CouncilRow | None = Field(None, description="Its latest report's grades and dates, when held.")
    total: int | None = Field(None, description="With q: its passages holding the question's words (keyword matching).")
    passages: list[Result] | None = Field(None, description="With q: its best passages.")


class Comparison(Answer):
    query: str
    mode: Literal["hybrid", "keyword", "semantic"]
    councils: list[ComparedCouncil]


class CatalogueDocument(DocumentInfo):
    pages: int = Field(description="Pages extracted from it.")
    passages: int = Field(description="Passages it was cut into.")
    with_finding: int | None = Field(None, description="With finding=: its passages of that finding.")
    source: str
    licence: str
    url: str


class Catalogue(Answer):
    count: int
    filters: dict[str, Any]
    documents: list[CatalogueDocument]


class Health(Answer):
    status: Literal["ok"]
    index: str
    documents: int
    passages: int
