"""Metadata read from the documents' own text at ingest: Ofsted inspection facts and survey speaker roles."""

from __future__ import annotations

import datetime
import re
from dataclasses import replace

from index.models import GRADES, Document, Passage
from ingest.findings import finding

GRADE = r"(Outstanding|Good|Requires improvement(?: to be good)?|Inadequate)"
# The first-page table of an ILACS report: each judgement's wording, then its grade.
TABLE = {
    "leaders": r"impact of leaders on social work practice with children and families",
    "help_and_protection": r"experiences and progress of children who need help and protection",
    "children_in_care": r"experiences and progress of children in care(?: and care leavers)?",
    "care_leavers": r"experiences and progress of care leavers",
    "overall": r"Overall effectiveness",
}
AUTHORITY = re.compile(r"Inspection of (?:the )?(.+?) local authority children", re.I)
MONTH = r"(January|February|March|April|May|June|July|August|September|October|November|December)"
DATES = re.compile(
    rf"Inspection dates?:?\s*(\d{{1,2}})(?:\s+{MONTH})?(?:\s+(\d{{4}}))?"
    rf"(?:\s*(?:to|–|-)\s*(\d{{1,2}})\s+{MONTH})?\s+(\d{{4}})"
)
PREFIXES = ("London Borough of ", "Royal Borough of ")
SUFFIXES = (" County Council", " City Council", " Borough Council", " Council")
SECTION_GRADE = re.compile(rf":\s*{GRADE}\s*$", re.I)

# Speaker roles of quoted survey respondents: a parenthesis right after a closing quote (or alone on the line
# after one), normalised by the first rule whose words it contains.
OPENING = re.compile(r"(?:^|(?<=[\s(]))['‘“](?=[\w.…])", re.M)  # a quotation's opening mark, not an apostrophe
ROLE_MARK = re.compile(r"(?:['’”]\s*\.?|['’”]\.\s*\n)\s*\(([^()\n]{3,80})\)")
ROLE_RULES = (
    ("judge", ("judge", "magistrate")),
    ("lawyer", ("barrister", "solicitor", "lawyer", "legal", "cafcass")),
    ("senior leader", ("senior manager", "senior leader", "director", "head of service", "assistant director")),
    ("manager", ("manager", "team leader")),
    ("foster carer", ("foster carer", "kinship carer")),
    ("education", ("education", "teacher", "school")),
    ("health", ("health", "nurse", "doctor", "gp", "psycholog", "psychiatr")),
    ("academic", ("university", "academic", "researcher", "lecturer")),
    ("social worker", ("social work", "practitioner", "reviewing officer", "nqsw", "student")),
)
ROLES = tuple(role for role, _ in ROLE_RULES) + ("other",)


def grade(text: str) -> str:
    """'Requires improvement to be good' -> 'requires improvement'; the four grades in lower case."""
    value = text.lower()
    return "requires improvement" if value.startswith("requires improvement") else value


def authority_name(title: str) -> str:
    """The council named in an inspection report's title, without 'County Council' and the like."""
    match = AUTHORITY.search(title)
    if not match:
        return ""
    name = match.group(1).replace(" & ", " and ").strip()
    for prefix in PREFIXES:
        name = name.removeprefix(prefix)
    for suffix in SUFFIXES:
        if name.lower().endswith(suffix.lower()):
            name = name[: -len(suffix)]
    return name.strip()


def inspection_dates(text: str) -> tuple[str, str]:
    """(start, end) as ISO dates from 'Inspection dates: 27 November to 8 December 2023'."""
    match = DATES.search(text[:3000])
    if not match:
        return "", ""
    first_day, first_month, first_year, last_day, last_month, year = match.groups()
    if last_day is None:
        first_month, last_day, last_month = first_month or "", first_day, first_month
    end = datetime.datetime.strptime(f"{last_day} {last_month} {year}", "%d %B %Y").date()
    start = datetime.datetime.strptime(f"{first_day} {first_month or last_month} {first_year or year}", "%d %B %Y").date()
    if start > end:  # '30 December to 3 January 2025': the first date is in the year before
        start = start.replace(year=start.year - 1)
    return start.isoformat(), end.isoformat()


def judgements(text: str) -> dict[str, str]:
    """The grades of the first-page judgement table, by key of JUDGEMENTS."""
    head = re.sub(r"\s+", " ", text[:4000])
    found = {}
    for key, wording in TABLE.items():
        match = re.search(rf"{wording} {GRADE}", head, re.I)
        if match:
            found[key] = grade(match.group(1))
    return found


def add_inspection_facts(document: Document) -> Document:
    """Fill in an Ofsted local authority inspection report's council, dates and grades."""
    name = authority_name(document.title) or authority_name(document.text[:300])
    if not name:
        return document
    document.local_authority = name
    document.inspection_start, document.inspection_end = inspection_dates(document.text)
    document.judgements = {key: value for key, value in judgements(document.text).items() if value in GRADES}
    return document


def section_judgement(section: str) -> str:
    """The grade a section heading carries ('… help and protection: inadequate'), or ""."""
    match = SECTION_GRADE.search(section)
    return grade(match.group(1)) if match else ""


def normalise_role(label: str) -> str:
    """A respondent's own words for their role, as one of ROLES."""
    lowered = label.lower()
    for role, words in ROLE_RULES:
        if any(word in lowered for word in words):
            return role
    return "other"


def quotations(text: str) -> list[tuple[int, int, str]]:
    """(start, end, role) of every quotation in `text` that a speaker label follows: from its opening quote mark
    (the first after the label before) to the end of its label, so a passage holding any of a quotation knows who
    said it, wherever the label fell."""
    found, after = [], 0
    for mark in ROLE_MARK.finditer(text):
        found.append((quotation_start(text, after, mark.start()), mark.end(), normalise_role(mark.group(1))))
        after = mark.end()
    return found


def quotation_start(text: str, after: int, end: int) -> int:
    """Where the quotation ending at `end` opens: the first opening mark of its paragraph, or of the paragraph
    before when a page break split it (a quoted phrase inside a quotation is not its start); `after` if none."""
    paragraph = end
    while paragraph > after:
        paragraph = max(text.rfind("\n\n", after, paragraph), after)
        if opening := OPENING.search(text, paragraph, end):
            return opening.start()
    return after


def add_passage_facts(document: Document, passages: list[Passage]) -> list[Passage]:
    """Give each passage the grade its section heading carries, the roles of the quotations it holds any of (in
    order, each role once) with each quotation's span within it, and, in an inspection report, its finding."""
    quoted = quotations(document.text) if document.kind == "survey write-up" else []
    out = []
    for passage in passages:
        held = [(start, end, role) for start, end, role in quoted if start < passage.end and passage.start < end]
        roles = tuple(dict.fromkeys(role for _, _, role in held))
        quotes = tuple((max(start, passage.start) - passage.start, min(end, passage.end) - passage.start, role)
                       for start, end, role in held)  # fmt: skip
        found = finding(passage.text, passage.section) if document.kind == "inspection" else ""
        out.append(replace(passage, section_judgement=section_judgement(passage.section), roles=roles, finding=found,
                           quotes=quotes))  # fmt: skip
    return out
