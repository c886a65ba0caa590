"""FTS5's BM25 precomputed: every term's passages with the score it gives each, stored beside the FTS5 index, so a
keyword query that ORs many words is a sum of a few arrays instead of FTS5 scoring every passage holding any of
them row by row (at a million passages: tens of milliseconds instead of seconds).

The scores are FTS5's own: the tokens, counts and lengths are read from the FTS5 index (fts5vocab), the formula
and constants are bm25()'s (index/terms.py), and the corpus's compound words ("children's", "well-being", which
FTS5 searches as phrases of their tokens) get postings of their own, from where their tokens stand in a row."""

from __future__ import annotations

import json
import sqlite3

import numpy as np

from index import terms

INSERT = "INSERT INTO postings VALUES (?, ?, ?)"
SELECT = "SELECT term, ids, weights FROM postings WHERE term IN (SELECT value FROM json_each(?))"
VOCABULARY = """CREATE VIRTUAL TABLE temp.fts_terms USING fts5vocab(main, passages_fts, 'row');
                CREATE VIRTUAL TABLE temp.fts_instances USING fts5vocab(main, passages_fts, 'instance');"""
NONE = (np.zeros(0, np.int32), np.zeros(0, np.float32))  # the postings of a word the corpus never uses
CHUNK = 1 << 20  # token instances read at a time
PASSAGE_SHIFT, COLUMN_BIT = 21, 1 << 20  # a token's place as one number: passage, column (heading 1), offset


def write_postings(db: sqlite3.Connection, context_weight: float, compounds: list[tuple[str, ...]]) -> None:
    """Fill the postings table from the FTS5 index `passages_fts` of `db` (text, then title and heading weighted
    `context_weight`), with a row for every token and for every compound word in `compounds` (token sequences,
    terms.compounds): the passages holding its tokens in a row, in one column, as an FTS5 phrase matches."""
    db.executescript(VOCABULARY)
    vocabulary = db.execute("SELECT term, cnt FROM temp.fts_terms").fetchall()
    instances = sum(count for _, count in vocabulary)
    # Every token instance in (term, passage, column, offset) order, as one number: so each term's are sorted.
    place = np.empty(instances, np.int64)
    cursor, at = db.execute("SELECT doc, col != 'text', offset FROM temp.fts_instances"), 0
    while rows := cursor.fetchmany(CHUNK):
        found = np.array(rows, dtype=np.int64).reshape(-1, 3)
        if found[:, 2].max() >= COLUMN_BIT:
            raise ValueError(f"a passage column holds over {COLUMN_BIT:,} tokens; passages are far shorter than this")
        place[at : at + len(found)] = (found[:, 0] << PASSAGE_SHIFT) | (found[:, 1] * COLUMN_BIT) | found[:, 2]
        at += len(found)
    db.executescript("DROP TABLE temp.fts_terms; DROP TABLE temp.fts_instances;")
    if at != instances:
        raise RuntimeError(f"FTS5 listed {at:,} token instances, its vocabulary {instances:,}")
    passages = db.execute("SELECT count(*) FROM passages_fts").fetchone()[0]
    length = np.bincount(place >> PASSAGE_SHIFT)  # every column's tokens, as FTS5 counts a row's size
    score = Scorer(passages, length, instances / max(passages, 1), context_weight)
    bounds = np.r_[0, np.cumsum([count for _, count in vocabulary])]
    slices = {name: place[bounds[n] : bounds[n + 1]] for n, (name, _) in enumerate(vocabulary)}
    db.executemany(INSERT, ((name, *score(held)) for name, held in slices.items()))
    for tokens in compounds:
        starts = slices.get(tokens[0], place[:0])
        for n, token in enumerate(tokens[1:], start=1):  # keep the starts whose next tokens follow in a row
            starts = followed(starts, slices.get(token, place[:0]), n)
        if len(starts):
            db.execute(INSERT, (" ".join(tokens), *score(starts)))


def followed(starts: np.ndarray, following: np.ndarray, step: int) -> np.ndarray:
    """The `starts` (sorted places) that `following` (sorted) holds `step` places on, found by searching the
    shorter array's places in the longer one."""
    if len(starts) <= len(following):
        short, long, shift = starts + step, following, -step
    else:
        short, long, shift = following - step, starts, 0
    if not len(short) or not len(long):
        return starts[:0]
    at = np.searchsorted(long, short).clip(max=len(long) - 1)
    return short[long[at] == short] + shift


class Scorer:
    """FTS5's BM25 for one term or phrase: from the places it stands (sorted), each passage holding it and the
    score it gives that passage, as int32 and float32 bytes."""

    def __init__(self, passages: int, length: np.ndarray, average: float, context_weight: float):
        self.passages, self.length, self.average, self.context_weight = passages, length, average, context_weight

    def __call__(self, places: np.ndarray) -> tuple[bytes, bytes]:
        passage = places >> PASSAGE_SHIFT
        counts = np.where(places & COLUMN_BIT, self.context_weight, 1.0)
        first = np.flatnonzero(np.r_[True, passage[1:] != passage[:-1]])
        frequency, ids = np.add.reduceat(counts, first), passage[first]
        scores = terms.idf(self.passages, len(ids)) * terms.saturation(frequency, self.length[ids], self.average)
        return ids.astype(np.int32).tobytes(), scores.astype(np.float32).tobytes()


def lists(db: sqlite3.Connection, words: tuple[str, ...]) -> list[tuple[np.ndarray, np.ndarray]] | None:
    """Each word's (passage ids, scores), empty for a word the corpus never uses; None when a word is a compound
    or phrase the postings do not hold (FTS5 may still find its tokens in a row)."""
    keys = [" ".join(tokens) for tokens in terms.tokens_of(list(words))]
    found = {
        term: (np.frombuffer(ids, np.int32), np.frombuffer(weights, np.float32))
        for term, ids, weights in db.execute(SELECT, (json.dumps(sorted(set(keys))),))
    }
    if any(" " in key and key not in found for key in keys):
        return None
    return [found.get(key, NONE) for key in keys]


def top(
    lists: list[tuple[np.ndarray, np.ndarray]], size: int, k: int | None, allowed: np.ndarray | None = None, every: int = 0
) -> list[tuple[int, float]]:
    """(passage id, summed score) of the best `k` (None: all) passages holding every one of the first `every`
    lists' terms and, if there are more lists, any of theirs (FTS5's `a AND b AND (c OR d)`); ties by id; only
    passages whose `allowed` entry is true, when given. `size`: the largest passage id + 1."""
    return counted(lists, size, k, allowed, every)[0]


def counted(
    lists: list[tuple[np.ndarray, np.ndarray]], size: int, k: int | None, allowed: np.ndarray | None = None, every: int = 0
) -> tuple[list[tuple[int, float]], np.ndarray]:
    """As top(), and the ids of every passage matching (sorted), however many: counting them costs no more."""
    scores = np.zeros(size, np.float64)
    for ids, weights in lists:
        scores[ids] += weights
    keep = allowed
    if every:
        held = np.zeros(size, np.int32)
        for ids, _ in lists[:every]:
            held[ids] += 1
        keep = held == every if keep is None else keep & (held == every)
        if len(lists) > every:
            some = np.zeros(size, bool)
            for ids, _ in lists[every:]:
                some[ids] = True
            keep &= some
    if keep is not None:
        scores[~keep] = 0.0
    matched = found = np.flatnonzero(scores)
    if k is not None and len(found) > k:
        cut = np.partition(scores[found], len(found) - k)[len(found) - k]
        found = found[scores[found] >= cut]
    found = found[np.lexsort((found, -scores[found]))][:k]
    return list(zip(found.tolist(), scores[found].tolist())), matched
