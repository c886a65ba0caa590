-- One built index: documents, their passages, and a full-text index over passage text.
CREATE TABLE documents (
    id        TEXT PRIMARY KEY,
    path      TEXT NOT NULL,
    title     TEXT NOT NULL,
    publisher TEXT NOT NULL,
    date      TEXT NOT NULL,
    kind      TEXT NOT NULL,
    source    TEXT NOT NULL,
    licence   TEXT NOT NULL,
    sha256    TEXT NOT NULL,  -- of the file's content
    fingerprint TEXT NOT NULL,  -- of the file and its metadata sidecar
    text      TEXT NOT NULL,
    pages     TEXT NOT NULL,  -- JSON [[number, start, end, label], ...]
    headings  TEXT NOT NULL   -- JSON [[start, title], ...]
);

-- passages.id is also the passage's id in the FAISS index.
CREATE TABLE passages (
    id          INTEGER PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id),
    start       INTEGER NOT NULL,
    "end"       INTEGER NOT NULL,
    page        INTEGER NOT NULL,
    page_end    INTEGER NOT NULL,
    page_label  TEXT NOT NULL,
    section     TEXT NOT NULL,
    tokens      INTEGER NOT NULL,
    text        TEXT NOT NULL
);
CREATE INDEX passages_by_document ON passages(document_id, start);

-- rowid = passages.id; context holds the document title and section heading.
CREATE VIRTUAL TABLE passages_fts USING fts5(
    text, context, tokenize = 'porter unicode61 remove_diacritics 2'
);
