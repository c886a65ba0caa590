"""Writing a build into PostgreSQL: BM25 postings computed as FTS5 computes them, and rows loaded with COPY."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator

import numpy as np
import psycopg
from pgvector.psycopg import register_vector

from index import terms
from index.backends import tables
from index.backends.postgres.connect import connect
from index.backends.postgres.schema import CONTROL, HNSW, INDEXES, TABLES, schema_of
from index.dedup import near_duplicate_groups
from index.manifest import Manifest
from index.models import Document, Passage

TOKENIZED = 1000  # passages tokenized together


def postings(documents: list[Document], passages: list[Passage], context_weight: float) -> tuple[Iterator, list, float]:
    """BM25 as FTS5 computes it, for every term of every passage: (term, passage id, score, places in the text,
    places in title + heading) rows, made as they are read (two passes, so a big build need not hold them all),
    each passage's length, and the average length. Title and heading count `context_weight` a token, like FTS5's
    column weight.

    The corpus's compound words ("children's", "well-being") are searched as phrases of their tokens; each also
    gets rows of its own, under its tokens joined by spaces, counting every place those tokens stand in a row."""
    titles = {d.id: d.title for d in documents}
    compounds = compound_words(f"{p.text}\n{titles[p.document_id]}\n{p.section}" for p in passages)

    def places() -> Iterator[tuple[Passage, dict, dict, int]]:
        """Each passage with its terms' places in the text and in title + heading, and its length."""
        for start in range(0, len(passages), TOKENIZED):
            some = passages[start : start + TOKENIZED]
            texts = terms.tokens_of([p.text for p in some])
            headings = terms.tokens_of([f"{titles[p.document_id]}\n{p.section}" for p in some])
            for p, words, heading in zip(some, texts, headings):
                yield p, where(words, compounds), where(heading, compounds), len(words) + len(heading)

    holding, lengths = Counter(), []
    for _, body, context, length in places():
        holding.update(body.keys() | context.keys())
        lengths.append(length)
    average = sum(lengths) / max(len(lengths), 1)
    idf = {term: terms.idf(len(passages), n) for term, n in holding.items()}

    def rows() -> Iterator[tuple]:
        for p, body, context, length in places():
            for term in body.keys() | context.keys():
                frequency = len(body.get(term, ())) + context_weight * len(context.get(term, ()))
                weight = idf[term] * terms.saturation(frequency, length, average)
                yield term, p.id, weight, body.get(term, []), context.get(term, [])

    return rows(), lengths, average


def build_memory(passages: int) -> int:
    """MB for building indexes: enough for an HNSW graph (about 2.5 KB a passage) to fit, from 1 GB to 4 GB."""
    return min(4096, max(1024, passages * 3 // 1024))


def compound_words(texts) -> dict[tuple[str, str], set[tuple[str, ...]]]:
    """The token sequences of the words in `texts` that are more than one token, by their first two tokens."""
    found = defaultdict(set)
    for sequence in terms.compounds(texts):
        found[sequence[:2]].add(sequence)
    return found


def where(words: list[str], compounds: dict[tuple[str, str], set[tuple[str, ...]]]) -> dict[str, list[int]]:
    """Each term's places in `words`, and each compound's (joined by spaces) wherever its tokens stand in a row."""
    places = defaultdict(list)
    for at, term in enumerate(words):
        places[term].append(at)
        for sequence in compounds.get((term, words[at + 1]), ()) if at + 1 < len(words) else ():
            if tuple(words[at : at + len(sequence)]) == sequence:
                places[" ".join(sequence)].append(at)
    return places


def copy(cursor: psycopg.Cursor, table: str, columns: str, rows, freeze: bool = True) -> None:
    """Load rows into a table made in this transaction; frozen, so that index-only scans need not visit it."""
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN" + (" WITH (FREEZE)" if freeze else "")) as target:
        for row in rows:
            target.write_row(row)


def write_schema(dsn: str, version: str, documents: list[Document], passages: list[Passage], vectors: np.ndarray,
                 manifest: Manifest, exact_limit: int) -> None:  # fmt: skip
    """Write a whole build into a new schema, `version`'s, in one transaction, and record it in search.builds."""
    name = schema_of(version)
    rows, lengths, average = postings(documents, passages, terms.CONTEXT_WEIGHT)
    groups = near_duplicate_groups([(p.id, p.text) for p in passages])
    with connect(dsn) as db:
        db.execute(CONTROL)
        register_vector(db)  # again: on a new database the extension exists only now
        db.execute(f"CREATE SCHEMA {name}")
        db.execute(f"SET LOCAL search_path = {name}, public")
        db.execute(f"SET LOCAL maintenance_work_mem = '{build_memory(len(passages))}MB'")
        db.execute("SET LOCAL work_mem = '256MB'")  # for sorting the postings
        db.execute(TABLES.format(dimensions=vectors.shape[1]))
        with db.cursor() as cursor:
            copy(cursor, "documents", tables.DOCUMENT_ROW, map(tables.document_row, documents))
            copy(cursor, "passages", f"{tables.PASSAGE_COLUMNS}, dup_group, length",
                 ((*tables.passage_row(p, groups[p.id]), n) for p, n in zip(passages, lengths)))  # fmt: skip
            copy(cursor, "passage_roles", "passage_id, role", ((p.id, r) for p in passages for r in p.roles))
            copy(cursor, "vocabulary", "word, count", tables.vocabulary(passages).items())
            db.execute("CREATE TEMPORARY TABLE loaded (LIKE postings) ON COMMIT DROP")
            copy(cursor, "loaded", "term, passage_id, weight, body, context", rows, freeze=False)
            # a term's rows together on disk: a query reads a few pages, not thousands
            db.execute("INSERT INTO postings SELECT * FROM loaded ORDER BY term, passage_id")
            copy(cursor, "stats", "passages, average_length", [(len(passages), average)])
            copy(cursor, "vectors", "id, embedding", ((p.id, v) for p, v in zip(passages, vectors)))
        db.execute(INDEXES)
        if len(passages) > exact_limit:
            db.execute(HNSW)
        db.execute("INSERT INTO search.builds (version, manifest) VALUES (%s, %s)", (version, manifest.to_json()))
    with connect(dsn, autocommit=True) as db:  # the postings' visibility map, for index-only scans
        db.execute(f"VACUUM (ANALYZE) {name}.postings")
