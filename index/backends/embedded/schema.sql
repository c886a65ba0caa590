-- One built index: documents, their passages, and a full-text index over passage text.
CREATE TABLE documents (
    id        TEXT PRIMARY KEY,
    path      TEXT NOT NULL,
    title     TEXT NOT NULL,
    publisher TEXT NOT NULL,
    date      TEXT NOT NULL,
    kind      TEXT NOT NULL,
    source    TEXT NOT NULL,
    publisher_url TEXT NOT NULL,
    licence   TEXT NOT NULL,
    sha256    TEXT NOT NULL,  -- of the file's content
    fingerprint TEXT NOT NULL,  -- of the file and its metadata sidecar
    date_start TEXT NOT NULL,  -- first and last day the date covers, for date filters ('' when undated)
    date_end  TEXT NOT NULL,
    local_authority TEXT NOT NULL,  -- Ofsted inspection reports: the council, visit dates and grades
    inspection_start TEXT NOT NULL,
    inspection_end TEXT NOT NULL,
    judgement TEXT NOT NULL,  -- overall effectiveness
    judgements TEXT NOT NULL,  -- JSON {judgement: grade}
    parent    TEXT NOT NULL,  -- the id of the email or archive it came out of ('' for a file of its own)
    within    TEXT NOT NULL,  -- the same, as citations say it: 'attachment to the email "…" from …'
    sender    TEXT NOT NULL,  -- an email's From, and its To and Cc
    recipients TEXT NOT NULL,
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
    text        TEXT NOT NULL,
    section_judgement TEXT NOT NULL,  -- the grade its section heading carries
    roles       TEXT NOT NULL,  -- the speaker roles of the quotations it holds, '|'-separated
    finding     TEXT NOT NULL,  -- in an inspection report: weakness, strength or neutral (ingest/findings.py)
    confidence  REAL,  -- read by OCR: Tesseract's mean word confidence, 0-100 (NULL: from the file's own text)
    quotes      TEXT NOT NULL,  -- JSON [[start, end, role], …]: each quotation it holds, offsets within text
    dup_group   INTEGER NOT NULL  -- passages saying the same thing share one group (the smallest id among them)
);
CREATE INDEX passages_by_document ON passages(document_id, start);

-- Each speaker role a passage quotes (role filters and facets).
CREATE TABLE passage_roles (
    passage_id INTEGER NOT NULL REFERENCES passages(id),
    role       TEXT NOT NULL,
    PRIMARY KEY (role, passage_id)
) WITHOUT ROWID;

-- The corpus's own words with their passage counts, for spelling suggestions.
CREATE TABLE vocabulary (
    word  TEXT PRIMARY KEY,
    count INTEGER NOT NULL
) WITHOUT ROWID;

-- rowid = passages.id; context holds the document title and section heading.
CREATE VIRTUAL TABLE passages_fts USING fts5(
    text, context, tokenize = 'porter unicode61 remove_diacritics 2'
);

-- Each FTS5 token (and each compound word, as its tokens joined by spaces): the passages holding it and the BM25
-- score it gives each, as FTS5 computes it (index/postings.py); int32 ids and float32 scores, in id order.
CREATE TABLE postings (
    term    TEXT PRIMARY KEY,
    ids     BLOB NOT NULL,
    weights BLOB NOT NULL
) WITHOUT ROWID;
