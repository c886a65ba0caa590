"""The one search function behind the web form, the JSON API and the evaluation harness."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace

import numpy as np
from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from index.backends import open_backend
from index.backends.base import VERSION, Build, IndexNotFound
from index.config import Config
from index.councils import lower_case_names, named_councils, without_names
from index.embedding import Embedder, load_embedder
from index.filters import Filters, date_span
from index.fusion import fuse_convex, keyword_tail
from index.manifest import Manifest
from index.models import Document, Hit, Passage
from index.query import (
    OnlyCommonWords,
    Query,
    QueryError,
    every_word,
    exact_words,
    is_question,
    keyword_match,
    parse_query,
    phrase_filter,
)  # fmt: skip
from index.request import MAX_RESULTS, MODES, SearchRequest
from index.results import Group, Ranked, Results, fold_duplicates, group_by_document, hits_by_id

COMMON = 0.5  # keyword queries leave out words found in more than this share of all passages
MAX_OFFSET = 10_000_000  # how far a cursor may page


@dataclass(frozen=True)
class Ranking:
    """What rank() finds: the ranked list (to the depth asked), and every passage that matched (ids), whether or not
    it was ranked that far."""

    ranked: list[Ranked]
    matched: np.ndarray
    exact: bool  # `matched` is every match (False: a meaning search's nearest, and more are as near)
    keyword_found: bool = False  # some passage holds the query's words
    closest: float = 1.0  # cosine similarity of the nearest passage by meaning (1.0 when not looked at)


class IndexGone(LookupError):
    """An index version that is no longer kept (or never was)."""


class UnknownDocument(KeyError):
    """No document has that id."""


class UnknownPassage(LookupError):
    """No passage has that key; the message says where keys come from."""


def informative(query: Query, index: Build, budget: int = 0) -> Query:
    """The query without the words found in more than COMMON of all passages, unless nothing would be left.
    BM25 gives such words almost no weight, and OR-ing them in makes the keyword search score most of the
    index: dropping them changes no result on the development sets and makes keyword search faster.

    With a `budget` ([search] keyword_budget), the rarest words are kept while the passages holding them add
    up to at most that many (the rarest the corpus uses is always kept): FTS5 scores every passage holding any query word, so
    on a big corpus this bounds the cost of a long question. Below about 100,000 passages it changes nothing."""
    limit = COMMON * index.store.passage_count
    counts = index.store.word_counts(list(query.terms))
    kept = [term for term in query.terms if counts[term] <= limit]
    if budget:
        chosen, total = set(), 0
        for term in sorted(kept, key=lambda t: (counts[t], t)):
            total += counts[term]
            if total > budget and any(counts[t] for t in chosen):  # a word the corpus never uses does not count
                break
            chosen.add(term)
        kept = [term for term in kept if term in chosen]
    return replace(query, terms=tuple(kept)) if kept or query.phrases or query.near else query


class Searcher:
    """Searches the published index; picks up a newly published index on the next call."""

    def __init__(self, config: Config, embedder: Embedder | None = None):
        self.config = config
        self.embedder = embedder
        self.lock = threading.Lock()
        self.loaded: Build | None = None
        self.words: dict[str, list[str]] = {}
        self.council_names: dict[str, dict[str, bool]] = {}
        self.kept: dict[str, Build] = {}
        self.index = open_backend(config)
        self.current()

    def current(self) -> Build:
        """The published index, reopened when the pointer has moved to a new build."""
        version = self.index.published()
        with self.lock:
            if self.loaded is None or self.loaded.version != version:
                self.loaded = self.index.open(version).check_format()
                self.check_model(self.loaded.manifest)
            return self.loaded

    def build(self, version: str = "") -> Build:
        """The published build, or a kept one by version (the previous build stays until the next publish)."""
        current = self.current()
        if not version or version == current.version:
            return current
        if version not in self.index.kept() and not VERSION.fullmatch(version):
            raise QueryError(f"index {version[:60]!r} is not an index version (they look like {current.version}); "
                             f"the current one is {current.version}.")  # fmt: skip
        if version not in self.index.kept():
            raise IndexGone(f"Index {version[:60]!r} is not kept any more (or never was); the current one is "
                            f"{current.version}. Builds are kept until the one after next is published.")  # fmt: skip
        with self.lock:
            if version not in self.kept:
                try:
                    self.kept = {version: self.index.open(version).check_format()}
                except IndexNotFound:  # kept for --rollback, but made by an older version of this service
                    said = f"Index {version} was built by an older version of this service and can only be rolled back "
                    raise IndexGone(f"{said}to, not searched; the current one is {current.version}.") from None
            build = self.kept[version]
        self.check_model(build.manifest)
        return build

    def searchable(self) -> set[str]:
        """The kept index versions that can be searched (a build of an older format is kept only to roll back)."""
        found = set()
        for version in self.index.kept():
            try:
                found.add(self.build(version).version)
            except IndexGone:
                continue
        return found

    def check_model(self, manifest: Manifest) -> None:
        """Load the embedding model the index was built with; refuse a different one."""
        model = manifest.signature.model
        if self.embedder is None:
            self.embedder = load_embedder(model.sha256, model.precision)
        if (self.embedder.sha256, self.embedder.precision) != (model.sha256, model.precision):
            raise RuntimeError(
                f"index was built with model {model.sha256[:12]} ({model.precision}), loaded "
                f"{self.embedder.sha256[:12]} ({self.embedder.precision}); run: python -m ingest --rebuild"
            )

    def search(self, request: SearchRequest) -> Results:
        """One page of ranked passages for the request (or of documents, with `group`); raises QueryError for input
        that cannot be searched. The ranked list is made before the page is cut from it, so pages are stable; the
        total, facets and aggregations count every match, however many (a meaning search: its nearest).

        With `named`, the Ofsted reports about a council the query names come first (see index/councils.py).
        With `everything`, no page is made: the whole list is in `rows`, for each_hit() to read (exports)."""
        k = MAX_RESULTS if request.everything else self.check(request.mode, request.k, request.offset)
        offset, group = (0, False) if request.everything else (request.offset, request.group)
        index = self.build(request.version)

        def nothing(query: Query, said: str) -> Results:
            """No results, and why: nothing to search for, or nothing new."""
            return Results(query, request.mode, [], index.version, offset=offset, k=k, filters=request.filters,
                           grouped=group, said=said)  # fmt: skip

        try:
            query = parse_query(request.q, self.config.max_query_chars)
        except OnlyCommonWords as common:
            return nothing(Query(request.q.strip(), (), ()), str(common))
        if request.everything or group:  # every match (a meaning search: its first 1,000), each document's own
            depth = MAX_RESULTS if request.mode == "semantic" else None
        else:
            depth = MAX_RESULTS if offset + k <= MAX_RESULTS else None  # a cursor past the first 1,000: all of it
        fold = request.fold and not group  # grouped, a document's passages are its own, not folded into another's
        if request.added_since:
            newer = self.added_since(index, request.added_since, request.filters.document)
            if not newer:
                return nothing(query, f"No document was added or changed since {request.added_since}.")
            request = replace(request, filters=replace(request.filters, document=newer))
        facts = index.store.facts
        in_query = named_councils(query.text, self.councils(index)) if request.named else {}
        ranking, first = self.rank_named(index, query, request, in_query, depth)
        ranked = ranking.ranked
        kept, also = fold_duplicates(ranked, facts.groups([i for i, _, _ in ranked])) if fold else (ranked, {})
        ids = [i for i, _, _ in kept]
        ranks = {i: rank for rank, i in enumerate(ids, start=1)}
        hits, groups = [], []
        if group:
            shown = group_by_document(kept, facts)[offset : offset + k]
            found = hits_by_id(self.hits(index, [row for _, rows in shown for row in rows[:3]], also, ranks))
            groups = [Group(found[rows[0][0]].document, len(rows), [found[r[0]] for r in rows[:3]]) for _, rows in shown]
        elif not request.everything:
            hits = self.hits(index, kept[offset : offset + k], also, ranks)
        weak = (
            bool(ids) and ranking.closest < self.config.low_confidence
            and not self.holds_every_word(index, query, request.filters)
        )  # fmt: skip
        matched = ranking.matched
        return Results(
            query, request.mode, hits, index.version,
            total=facts.distinct(matched) if fold else len(matched),
            exact=ranking.exact, matched=len(matched), documents=facts.document_count(matched), facets=facts.facets(matched),
            aggregations=facts.aggregate(matched, request.aggs) if request.aggs else {}, groups=groups,
            meaning_only=request.mode != "semantic" and not ranking.keyword_found and bool(ids), weak=weak,
            suggestion=self.suggest(index, query), offset=offset, k=k, filters=request.filters, grouped=group,
            named=first, rows=kept if request.everything else [], also=also if request.everything else {},
        )  # fmt: skip

    def added(self, index: Build) -> dict[str, str]:
        """When each document of a build was first indexed in its current version (ISO 8601), by id."""
        return {entry.id: entry.added or index.manifest.built for entry in index.manifest.documents.values()}

    def added_since(self, index: Build, since: str, among: tuple[str, ...] = ()) -> tuple[str, ...]:
        """The documents (of `among`, if given) first indexed or changed after index version `since` was built,
        or on or after the date `since`; QueryError for anything else."""
        if VERSION.fullmatch(since):
            stamp = f"{since[:4]}-{since[4:6]}-{since[6:8]}T{since[9:11]}:{since[11:13]}:{since[13:15]}{since[15:22]}"
            newer = [d for d, added in self.added(index).items() if added[: len(stamp)] > stamp]
        elif date_span(since)[0]:
            newer = [d for d, added in self.added(index).items() if added[:10] >= date_span(since)[0]]
        else:
            raise QueryError(f"added_since must be an index version (like {index.version}) or a date YYYY, YYYY-MM "
                             f"or YYYY-MM-DD, got {since[:40]!r}.")  # fmt: skip
        return tuple(sorted(d for d in newer if not among or d in among))

    def each_hit(self, results: Results, size: int = 500):
        """The hits of an `everything` search's rows, in rank order, read `size` at a time (for streamed exports)."""
        index = self.build(results.version)
        ranks = {row[0]: rank for rank, row in enumerate(results.rows, start=1)}
        for start in range(0, len(results.rows), size):
            yield from self.hits(index, results.rows[start : start + size], results.also, ranks)

    def check(self, mode: str, k: int | None, offset: int) -> int:
        """The page size to use; QueryError for a bad mode, k or offset."""
        if mode not in MODES:
            raise QueryError(f"Unknown mode {mode!r}: use one of {', '.join(MODES)}.")
        k = self.config.default_k if k is None else k
        if not 0 <= k <= self.config.max_k:
            raise QueryError(f"k must be between 0 (counts only) and {self.config.max_k}.")
        if not 0 <= offset < MAX_OFFSET:
            raise QueryError(f"offset must be between 0 and {MAX_RESULTS - 1}; page on past it with the cursor.")
        return k  # a page that would run past the end is cut there: the last page is shorter

    def rank(
        self, index: Build, query: Query, request: SearchRequest, filters: Filters, depth: int | None, named: bool = False
    ) -> Ranking:
        """The matching passages best first, to `depth` (None: all), and which passages match at all.

        The keyword list is every passage holding the query's words; in hybrid mode its top `candidates` are fused
        with as many nearest by meaning, and the rest of it follows in BM25 order. A meaning search ranks the
        nearest passages (only those the keyword matching holds, with require=keyword). `named`: the filters hold the
        reports of a council the query named (keyword_weight())."""
        mode, candidates = request.mode, self.config.candidates
        keyword, holding = [], np.zeros(0, dtype=np.int64)
        if mode != "semantic" or request.require:
            keyword, holding = self.keyword(index, query, filters, request, depth)
        if mode == "keyword":
            return Ranking([(i, score, ("keyword",)) for i, score in keyword], holding, True, bool(keyword))
        wanted = candidates if mode == "hybrid" else depth or len(index.vectors)
        semantic = self.semantic(index, query, wanted, filters, holding if request.require else None)
        closest = semantic[0][1] if semantic else 0.0
        near = np.array([i for i, _ in semantic], dtype=np.int64)
        if mode == "semantic":
            ranked = [(i, score, ("semantic",)) for i, score in semantic]
            return Ranking(ranked, near, len(semantic) < wanted, False, closest)
        weight = self.keyword_weight(query, named)
        lists = {"keyword": keyword[:candidates], "semantic": semantic}
        fused = fuse_convex(lists, {"keyword": weight, "semantic": 1 - weight}, candidates)
        ranked = (fused + keyword_tail(fused, keyword[:depth], lists, weight, candidates))[:depth]
        return Ranking(ranked, index.store.facts.union(holding, near), True, bool(keyword), closest)

    def rank_named(
        self, index: Build, query: Query, request: SearchRequest, councils: dict[str, str], depth: int | None
    ) -> tuple[Ranking, tuple[str, ...]]:
        """As rank(), and the councils whose Ofsted reports were ranked first: when the query names councils (and
        the filters allow their reports), those reports' passages come first, ranked for the rest of the query
        (the names chose the documents), then every other passage."""
        filters = request.filters
        narrowed = tuple(c for c in councils if c in (filters.local_authority or councils))
        if narrowed:
            rest = without_names(query, [councils[c] for c in narrowed], self.config.max_query_chars)
            first = self.rank(index, rest, request, replace(filters, local_authority=narrowed), depth, named=True)
            if first.ranked:
                others = self.rank(index, rest, request, filters, depth)
                seen = {i for i, _, _ in first.ranked}
                ranked = (first.ranked + [row for row in others.ranked if row[0] not in seen])[:depth]
                return Ranking(
                    ranked, index.store.facts.union(first.matched, others.matched), first.exact and others.exact,
                    first.keyword_found or others.keyword_found, max(first.closest, others.closest),
                ), narrowed  # fmt: skip
        return self.rank(index, query, request, filters, depth), ()

    def holds_every_word(self, index: Build, query: Query, filters: Filters) -> bool:
        """Whether one passage holds every informative word (and phrase) of the query."""
        every = every_word(informative(query, index, self.config.keyword_budget))
        return bool(every) and bool(index.store.match(every, 1, filters))

    def keyword_weight(self, query: Query, named: bool = False) -> float:
        """The keyword list's share of the fused score for this query: lower for a question, whose everyday words
        ("how long do you have to…") the documents seldom use, and among the reports of a council the query named,
        whose passages all share their report's words (docs/evaluation.md, issue 30)."""
        if named or is_question(query.text):
            return self.config.question_keyword_weight
        return self.config.keyword_weight

    def keyword(
        self, index: Build, query: Query, filters: Filters, request: SearchRequest, depth: int | None = None
    ) -> tuple[list[tuple[int, float]], np.ndarray]:
        """The best `depth` (None: all) passages holding the query's words, by BM25 over passage text (and,
        weighted lower, title and heading), and the ids of every one. Words in over half the passages are left out
        of an "or" match (informative()); with stem=off, only passages holding the words as typed are kept."""
        if request.operator == "and":
            match = every_word(query)
        else:
            match = keyword_match(informative(query, index, self.config.keyword_budget))
        if request.stem:
            return index.store.counted(match, max(depth, self.config.candidates) if depth else None, filters)
        found = index.store.match(match, None, filters)
        holds = exact_words(query, request.operator)
        texts = index.store.passages([i for i, _ in found])
        found = [(i, score) for i, score in found if holds(texts[i].text)]
        return found, np.array(sorted(i for i, _ in found), dtype=np.int64)

    def semantic(
        self, index: Build, query: Query, depth: int, filters: Filters, only: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        """Nearest passages by cosine similarity among those the filters allow (and `only` holds, if given); with
        quoted phrases, only passages containing them."""
        vector = self.embedder.encode_query(query.text)
        phrases = phrase_filter(query)
        allowed = set(index.store.allowed(filters)) if filters else None
        if only is not None:
            allowed = set(only.tolist()) if allowed is None else allowed & set(only.tolist())
        if phrases is not None:
            holding = {i for i, _ in index.store.match(phrases, None, filters)}
            allowed = holding if allowed is None else allowed & holding
        if allowed is not None and not allowed:
            return []
        return index.vectors.search(vector, depth, None if allowed is None else sorted(allowed))

    def suggest(self, index: Build, query: Query) -> str:
        """The query with each word the corpus never uses replaced by its nearest corpus word, or ""."""
        words = [w for w in query.terms if w.isalpha()]
        unknown = [w for w, n in index.store.word_counts(words).items() if n == 0]
        if not unknown:
            return ""
        vocabulary = self.vocabulary(index)
        text = query.text
        for word in unknown:
            match = process.extractOne(word.lower(), vocabulary, scorer=Levenshtein.distance, score_cutoff=2)
            if match:
                text = re.sub(rf"\b{re.escape(word)}\b", match[0], text)
        return text if text != query.text else ""

    def councils(self, index: Build) -> dict[str, bool]:
        """The councils the build's Ofsted reports are about, each with whether its name may be typed in lower case
        (found once per build)."""
        if index.version not in self.council_names:
            self.council_names = {index.version: lower_case_names(index.store)}
        return self.council_names[index.version]

    def vocabulary(self, index: Build) -> list[str]:
        """The corpus's words, most used first (loaded once per build)."""
        if index.version not in self.words:
            counts = index.store.vocabulary()
            self.words = {index.version: sorted(counts, key=lambda w: (-counts[w], w))}
        return self.words[index.version]

    def hits(self, index: Build, page: list[Ranked], also: dict[int, list[int]], ranks: dict[int, int]) -> list[Hit]:
        """Ranked rows as Hits with their passages and documents, and the other places that say the same."""
        ids = [i for i, _, _ in page]
        passages = index.store.passages(ids + [j for i in ids for j in also.get(i, [])])

        def place(passage_id: int) -> tuple[Passage, Document]:
            passage = passages[passage_id]
            return passage, index.store.documents[passage.document_id]

        return [
            Hit(*place(i), round(score, 6), ranks[i], sources, tuple(place(j) for j in also.get(i, [])))
            for i, score, sources in page
        ]

    def catalogue(self) -> dict[str, set[str]]:
        """The values each document filter can take in the published index."""
        index = self.current()
        documents = index.store.documents.values()
        return {
            "publisher": {d.publisher for d in documents if d.publisher},
            "document": {d.id for d in documents},
            "local_authority": set(self.councils(index)),
        }

    def documents(self) -> list[Document]:
        """The catalogue: every document's metadata."""
        return list(self.current().store.documents.values())

    def document(self, document_id: str) -> tuple[Document, list]:
        """A document with its text, and its passages; raises UnknownDocument."""
        store = self.current().store
        try:
            return store.document_text(document_id), store.document_passages(document_id)
        except KeyError as error:
            raise UnknownDocument(document_id) from error


def citation(hit_or_document: Hit | Document, page_label: str = "") -> str:
    """'Title, Publisher, Date, p. N' for a hit (or a document and page label); for an Ofsted report the date is
    'published 2024-07-12, inspected 2024-05-20 to 2024-05-24', both labelled."""
    if isinstance(hit_or_document, Hit):
        document, page_label = hit_or_document.document, hit_or_document.passage.page_label
    else:
        document = hit_or_document
    parts = [document.title, document.publisher, document.date]
    if document.inspection_start:  # an Ofsted report: when it was published, and when the inspectors visited
        visit = document.inspection_start
        if document.inspection_end and document.inspection_end != visit:
            visit += f" to {document.inspection_end}"
        parts[2] = f"published {document.date}, inspected {visit}"
    parts += [document.within, document.location(page_label)]
    return ", ".join(part for part in parts if part)
