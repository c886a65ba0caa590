"""Findings of an Ofsted inspection report: whether a passage states a shortcoming (`weakness`), judges the
council's work favourably and states none (`strength`), or judges nothing (`neutral`). Read from the report's own
structure and wording, never guessed by a model: every "What needs to improve?" bullet is a weakness, and in the
body a sentence is critical when it holds one of CRITICAL's phrases, which Ofsted's reports use consistently
("not all", "too many", "does not", "is variable", "delay"). A passage's finding can always be explained by the
sentence and phrase that decided it (criticisms()); tests/fixtures/findings.tsv holds 300 passages read by hand
against which its precision is measured."""

from __future__ import annotations

import re

from index.models import Passage

IMPROVE = "What needs to improve?"

# Phrases that state a shortcoming (whole words, any case). Findings are stored at ingest: a change here raises
# FORMAT in index/manifest.py, so that every index is rebuilt with it.
CRITICAL = re.compile(
    r"\b(?:"
    r"(?P<plain>(?:is|are|was|were|has|have|had|does|do|did)(?:n[’']t| not))(?! (?:only|just|wait|need|become|"
    r"criminalised|subject(?:ed)?|left|exposed|experienc|have to|necessary|unnecessar|delay|immune|afraid))"
    r"|not (?:always|all|consistently|routinely|sufficiently|enough|yet|fully|timely|effective|robust|clear|"
    r"well|being|been|receiving|reflect\w*|recorded|completed|considered|updated|aware|explicit\w*|easy|"
    r"progress\w*|reducing|improving|given|made|offered|undertaken|in place|accessible|known|understood|"
    r"sufficient|specific|routine|good|strong|swift|prompt|sustained|embedded|evident|informed|effectively)"
    r"|too (?:many|few|long|slow|slowly|high|much|late|soon|narrow|little|variable|often)"
    r"|lack(?:s|ing|ed)?|lack of|insufficient(?:ly)?|inconsisten(?:t|tly|cy|cies)|variab(?:le|ility)"
    r"|(?<!strengths and )weak(?:er|ness|nesses)?|poor(?:er|ly)?(?! (?:mental |physical |emotional )?health)"
    r"|(?<!reduce )(?<!avoid )(?<!prevent )drift|underdeveloped|deteriorat\w*|declined?|unsafe|ineffective"
    r"|shortfalls?|shortage|gaps? in|failures?|failed to|fails? to|over-optimis\w*|overly optimistic"
    r"|inappropriate(?:ly)?|unsuitable|critical of|only recently|unclear|struggle|absence of|limited"
    r"|wait(?:s|ed|ing)? (?:too long|for (?:long|too))|lower than|higher than (?:national|the national|average)"
    r"|need(?:s)? to improve|require(?:s)? improvement(?! to be good)|could be (?:clearer|stronger|better|improved)"
    r"|(?<!areas that )needs? (?:to be )?(?:strengthened|improved)"
    r"|(?<!no )(?<!potential )(?<!without )(?<!without any )(?<!reduce )(?<!reduces )(?<!reducing )(?<!minimise )"
    r"(?<!minimises )(?<!mitigate )(?<!avoid )(?<!avoids )(?<!prevent )(?<!any )(?<!unnecessary )(?<!drift and )"
    r"delays?(?! (?:are|is) (?:minimal|avoided))|delayed"
    r"|only (?:a (?:small )?(?:number|minority|few)|some)|negative(?:ly)? impact\w*"
    r"|(?:remain(?:s|ing)? (?:a )?challeng\w*|challenges remain)"
    r"|(?:no|not an?) (?:tangible|measurable|clear|dedicated|consistent|effective|formal|written)"
    r"|not (?:have|had|offer|provide|include|know|understand|receive|show|capture|escalate|ensure|see)"
    r")\b",
    re.I,
)
# Phrases of a favourable judgement.
FAVOURABLE = re.compile(
    r"\b(?:effective(?:ly)?|well|strong(?:ly)?|strength|good|timely|robust|thorough|high[- ]quality|benefit\w*|"
    r"appropriate(?:ly)?|excellent|impressive|exceptional(?:ly)?|comprehensive|positive(?:ly)?|improved|"
    r"prompt(?:ly)?|swift(?:ly)?|skilled|exemplary|outstanding|purposeful|sensitive(?:ly)?|proactive(?:ly)?|"
    r"consistent(?:ly)?|valued|committed|ambitious|supported|embedded)\b",
    re.I,
)
CONDITION = re.compile(r"\b(?:if|when|whenever|where|whether|unless|while|once)\b", re.I)
CONDITION_AND_WHO = re.compile(r"\b(?:if|when|whenever|where|whether|unless|while|once|who|which|that)\b", re.I)
SENTENCE = re.compile(r"\s*(?:\d{1,3}\.\s*)?[^.!?◼]+(?:[.!?]+[’”']?|$)")  # a paragraph's number stays with it


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence (or "What needs to improve?" bullet) of `text`, without surrounding space."""
    spans = []
    for match in SENTENCE.finditer(text):
        start, end = match.span()
        start += len(match.group()) - len(match.group().lstrip())
        end -= len(match.group()) - len(match.group().rstrip())
        if end > start:
            spans.append((start, end))
    return spans


def critical_phrase(sentence: str) -> str:
    """The first phrase of CRITICAL in `sentence` that is not inside a condition ("when risks do not reduce, …"),
    or "": a bare "is not"/"do not" only when no more telling phrase ("not always") is there, and never after "who"
    ("children who are not in school": it describes the children, not the council's work)."""
    found, at = [], 0
    while match := CRITICAL.search(sentence, at):  # overlapping: "is not" and "not always" both
        at = match.start() + 1
        clause = re.split(r"[,;:]", sentence[: match.start()])[-1]
        if not (CONDITION_AND_WHO if match.group("plain") else CONDITION).search(clause):
            found.append(match)
    telling = [match for match in found if not match.group("plain")]
    return (telling or found)[0].group() if found else ""


def criticisms(text: str, section: str = "") -> list[tuple[int, int, str]]:
    """(start, end, phrase) of each sentence of a passage that states a shortcoming, with the phrase that says so:
    under "What needs to improve?" every bullet, the heading's words being the phrase."""
    found = []
    for start, end in sentences(text):
        sentence = text[start:end]
        if section == IMPROVE:
            if sentence.strip() != IMPROVE and re.search(r"[a-z]", sentence):
                found.append((start, end, IMPROVE))
        elif phrase := critical_phrase(sentence):
            found.append((start, end, phrase))
    return found


def finding(text: str, section: str) -> str:
    """One of FINDINGS (index/models.py) for a passage of an Ofsted report under `section`."""
    if criticisms(text, section):
        return "weakness"
    return "strength" if FAVOURABLE.search(text) else "neutral"


def criticised(passage: Passage) -> list[tuple[int, int, str]]:
    """The criticisms of a passage found a weakness at ingest (none for any other)."""
    return criticisms(passage.text, passage.section) if passage.finding == "weakness" else []
