"""The one search function behind the web form, the JSON API and the evaluation harness."""

from __future__ import annotations

import re
import threading
from dataclasses import replace

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from index.backends import open_backend
from index.backends.base import Build
from index.config import Config
from index.councils import lower_case_names, named_councils, without_names
from index.embedding import Embedder, load_embedder
from index.filters import Filters
from index.fusion import fuse_convex, keyword_tail
from index.manifest import Manifest
from index.models import Document, Hit, Passage
from index.query import OnlyCommonWords, Query, QueryError, every_word, keyword_match, parse_query, phrase_filter
from index.request import MAX_RESULTS, MODES, SearchRequest
from index.results import Group, Ranked, Results, fold_duplicates, group_by_document, hits_by_id

COMMON = 0.5  # keyword queries leave out words found in more than this share of all passages


class IndexGone(LookupError):
    """An index version that is no longer kept (or never was)."""


class UnknownDocument(KeyError):
    """No document has that id."""


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
    return replace(query, terms=tuple(kept)) if kept or query.phrases else query


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
        if version not in self.index.kept():
            raise IndexGone(f"Index {version[:60]!r} is not kept any more (or never was); the current one is "
                            f"{current.version}. Builds are kept until the one after next is published.")  # fmt: skip
        with self.lock:
            if version not in self.kept:
                self.kept = {version: self.index.open(version).check_format()}
            build = self.kept[version]
        self.check_model(build.manifest)
        return build

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
        that cannot be searched. The whole ranked list is made before the page is cut from it, so pages are stable.

        With `named`, the Ofsted reports about a council the query names come first (see index/councils.py)."""
        k = MAX_RESULTS if request.everything else self.check(request.mode, request.k, request.offset)
        offset, group = (0, False) if request.everything else (request.offset, request.group)
        index = self.build(request.version)
        try:
            query = parse_query(request.q, self.config.max_query_chars)
        except OnlyCommonWords as nothing:
            empty = Query(request.q.strip(), (), ())
            return Results(empty, request.mode, [], index.version, offset=offset, k=k, filters=request.filters,
                           grouped=group, said=str(nothing))  # fmt: skip
        facts = index.store.facts
        in_query = named_councils(query.text, self.councils(index)) if request.named else {}
        ranked, keyword_found, closest, first = self.rank_named(index, query, request.mode, request.filters, in_query)
        kept, also = fold_duplicates(ranked, facts.groups([i for i, _, _ in ranked])) if request.fold else (ranked, {})
        ids = [i for i, _, _ in kept]
        ranks = {i: rank for rank, i in enumerate(ids, start=1)}
        hits, groups = [], []
        if group:
            shown = group_by_document(kept, facts)[offset : offset + k]
            found = hits_by_id(self.hits(index, [row for _, rows in shown for row in rows[:3]], also, ranks))
            groups = [Group(found[rows[0][0]].document, len(rows), [found[r[0]] for r in rows[:3]]) for _, rows in shown]
        else:
            hits = self.hits(index, kept[offset : offset + k], also, ranks)
        weak = (
            bool(ids) and closest < self.config.low_confidence and not self.holds_every_word(index, query, request.filters)
        )
        return Results(
            query, request.mode, hits, index.version, total=len(ids), facets=facts.facets(ids), groups=groups,
            meaning_only=request.mode != "semantic" and not keyword_found and bool(ids), weak=weak,
            suggestion=self.suggest(index, query), offset=offset, k=k, filters=request.filters, grouped=group,
            named=first,
        )  # fmt: skip

    def check(self, mode: str, k: int | None, offset: int) -> int:
        """The page size to use; QueryError for a bad mode, k or offset."""
        if mode not in MODES:
            raise QueryError(f"Unknown mode {mode!r}: use one of {', '.join(MODES)}.")
        k = self.config.default_k if k is None else k
        if not 1 <= k <= self.config.max_k:
            raise QueryError(f"k must be between 1 and {self.config.max_k}.")
        if not 0 <= offset < MAX_RESULTS:
            raise QueryError(f"offset must be between 0 and {MAX_RESULTS - 1} (results go to {MAX_RESULTS}).")
        return k  # a page that would run past MAX_RESULTS is cut there: the last page is shorter

    def rank(self, index: Build, query: Query, mode: str, filters: Filters) -> tuple[list[Ranked], bool, float]:
        """Every matching passage, best first; whether any contains the query's words; the cosine similarity of
        the closest passage by meaning (1.0 in keyword mode, where it is not looked at).

        The keyword list is every passage holding a query word (up to MAX_RESULTS); in hybrid mode its top
        `candidates` are fused with as many nearest by meaning, and the rest of it follows in BM25 order."""
        candidates = self.config.candidates
        keyword = self.keyword(index, query, MAX_RESULTS, filters) if mode != "semantic" else []
        if mode == "keyword":
            return [(i, score, ("keyword",)) for i, score in keyword], bool(keyword), 1.0
        semantic = self.semantic(index, query, candidates if mode == "hybrid" else MAX_RESULTS, filters)
        closest = semantic[0][1] if semantic else 0.0
        if mode == "semantic":
            return [(i, score, ("semantic",)) for i, score in semantic], False, closest
        weight = self.keyword_weight(query)
        lists = {"keyword": keyword[:candidates], "semantic": semantic}
        fused = fuse_convex(lists, {"keyword": weight, "semantic": 1 - weight}, candidates)
        return (fused + keyword_tail(fused, keyword, lists, weight, candidates))[:MAX_RESULTS], bool(keyword), closest

    def rank_named(
        self, index: Build, query: Query, mode: str, filters: Filters, councils: dict[str, str]
    ) -> tuple[list[Ranked], bool, float, tuple[str, ...]]:
        """As rank(), and the councils whose Ofsted reports were ranked first: when the query names councils (and
        the filters allow their reports), those reports' passages come first, ranked for the rest of the query
        (the names chose the documents), then every other passage."""
        narrowed = tuple(c for c in councils if c in (filters.local_authority or councils))
        if narrowed:
            rest = without_names(query, [councils[c] for c in narrowed], self.config.max_query_chars)
            first, found, closest = self.rank(index, rest, mode, replace(filters, local_authority=narrowed))
            if first:
                others, found_others, closest_others = self.rank(index, rest, mode, filters)
                seen = {i for i, _, _ in first}
                ranked = first + [row for row in others if row[0] not in seen]
                return ranked[:MAX_RESULTS], found or found_others, max(closest, closest_others), narrowed
        return *self.rank(index, query, mode, filters), ()

    def holds_every_word(self, index: Build, query: Query, filters: Filters) -> bool:
        """Whether one passage holds every informative word (and phrase) of the query."""
        every = every_word(informative(query, index, self.config.keyword_budget))
        return bool(every) and bool(index.store.match(every, 1, filters))

    def keyword_weight(self, query: Query) -> float:
        """The keyword list's share of the fused score for this query."""
        return self.config.keyword_weight

    def keyword(self, index: Build, query: Query, depth: int, filters: Filters) -> list[tuple[int, float]]:
        """BM25 over passage text (and, weighted lower, title and heading)."""
        return index.store.match(keyword_match(informative(query, index, self.config.keyword_budget)), depth, filters)

    def semantic(self, index: Build, query: Query, depth: int, filters: Filters) -> list[tuple[int, float]]:
        """Nearest passages by cosine similarity among those the filters allow; with quoted phrases, only
        passages containing them."""
        vector = self.embedder.encode_query(query.text)
        phrases = phrase_filter(query)
        allowed = set(index.store.allowed(filters)) if filters else None
        if phrases is not None:
            holding = {i for i, _ in index.store.match(phrases, len(index.vectors), filters)}
            allowed = holding if allowed is None else allowed & holding
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
    """'Title, Publisher, Date, p. N' for a hit (or a document and page label)."""
    if isinstance(hit_or_document, Hit):
        document, page_label = hit_or_document.document, hit_or_document.passage.page_label
    else:
        document = hit_or_document
    parts = [document.title, document.publisher, document.date]
    if page_label and document.is_pdf:
        parts.append(f"p. {page_label}")
    return ", ".join(part for part in parts if part)
