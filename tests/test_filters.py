"""Filters, facets, paging, folding and grouping, in the page and the API, on the fixture corpus (test double)."""

from __future__ import annotations

import sqlite3
from collections import Counter

import pytest

from index.backends.embedded.folders import DATABASE, current_build
from index.backends.tables import filter_where
from index.dedup import jaccard, near_duplicate_groups, shingles
from index.filters import Filters, date_span
from index.query import parse_query
from index.request import SearchRequest
from index.search import Searcher, named_councils, without_names
from ingest.build import build_index
from ingest.metadata import authority_name, inspection_dates, normalise_role, section_judgement
from search_app import create_app
from tests.conftest import ROOT, fake_config, make_corpus

NOTTS = "ofsted_ilacs_2024-07-12_nottinghamshire"
SURVEY = "corpus/seed/care-crisis-review-professionals-survey"
SHARED = (
    "Children aged 16 and 17 who present as homeless are not always offered a joint assessment by children's "
    "social care and housing, and too few are told of their right to become looked after. When they are, the "
    "assessment is thorough and their views are recorded, but managers do not check that housing officers follow "
    "the joint protocol, and some children wait for weeks in unsuitable bed and breakfast accommodation."
)


def build_filters_corpus(folder, fake_embedder):
    """The fixture corpus, the survey write-up, and two notes sharing one paragraph, indexed with the test double;
    returns the config."""
    corpus = make_corpus(folder)
    for suffix in (".txt", ".toml"):
        (corpus / f"survey{suffix}").write_bytes((ROOT / f"{SURVEY}{suffix}").read_bytes())
    (corpus / "note-a.txt").write_text(f"Tameside notes.\n\n{SHARED}")
    (corpus / "note-b.txt").write_text(f"Gloucestershire notes.\n\n{SHARED} Ends.")
    config = fake_config(folder, corpus)
    assert not build_index(config, fake_embedder).failed
    return config


@pytest.fixture(scope="module")
def built(tmp_path_factory, fake_embedder):
    config = build_filters_corpus(tmp_path_factory.mktemp("filters"), fake_embedder)
    return config, Searcher(config, fake_embedder)


@pytest.fixture(scope="module")
def client(built):
    config, searcher = built
    return create_app({"CONFIG_FILE": str(config.source), "TESTING": True}, searcher=searcher).test_client()


def database(config):
    return sqlite3.connect(current_build(config.index) / DATABASE)


def api(client, query: str) -> dict:
    response = client.get(f"/api/search?{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_the_inspection_report_carries_its_council_dates_and_grades(built):
    document = built[1].current().store.documents[NOTTS]
    assert document.local_authority == "Nottinghamshire"
    assert (document.inspection_start, document.inspection_end) == ("2024-05-20", "2024-05-24")
    assert document.judgements == {
        "leaders": "outstanding", "help_and_protection": "good", "children_in_care": "good", "care_leavers": "good",
        "overall": "good",
    }  # fmt: skip


@pytest.mark.parametrize(
    "title, name",
    [
        ("Inspection of Staffordshire County Council local authority children’s services", "Staffordshire"),
        ("Inspection of the London Borough of Ealing local authority children’s services", "Ealing"),
        ("Inspection of London Borough of Hammersmith & Fulham local authority children’s services",
         "Hammersmith and Fulham"),
        ("Inspection of Southend-on-Sea city council local authority children’s services", "Southend-on-Sea"),
        ("Inspection of City of London local authority children’s services", "City of London"),
        ("Annual report 2024", ""),
    ],
)  # fmt: skip
def test_council_names_are_read_from_report_titles(title, name):
    assert authority_name(title) == name


@pytest.mark.parametrize(
    "text, dates",
    [
        ("Inspection dates: 13 to 17 November 2023 Lead", ("2023-11-13", "2023-11-17")),
        ("Inspection dates: 27 November to 8 December 2023", ("2023-11-27", "2023-12-08")),
        ("Inspection dates: 18 March to 22 March 2024", ("2024-03-18", "2024-03-22")),
        ("Inspection dates: 30 December 2024 to 3 January 2025", ("2024-12-30", "2025-01-03")),
        ("no dates here", ("", "")),
    ],
)
def test_inspection_dates_are_read_as_iso_dates(text, dates):
    assert inspection_dates(text) == dates


def test_section_headings_carry_their_grade():
    assert section_judgement("The experiences and progress of children in care: requires improvement to be good") == (
        "requires improvement"
    )
    assert section_judgement("The experiences and progress of care leavers: inadequate") == "inadequate"
    assert section_judgement("What needs to improve?") == ""


def test_passages_in_graded_sections_carry_the_grade(built):
    config, searcher = built
    with database(config) as db:
        rows = db.execute("SELECT section, section_judgement FROM passages WHERE document_id = ?", (NOTTS,)).fetchall()
    graded = [(s, j) for s, j in rows if j]
    assert graded and all(s.lower().endswith(j) for s, j in graded)
    assert {j for _, j in graded} == {"good", "outstanding"}  # help and protection ... good; leaders ... outstanding


@pytest.mark.parametrize(
    "label, role",
    [
        ("Barrister", "lawyer"), ("Solicitor, private practice", "lawyer"), ("Local authority lawyer", "lawyer"),
        ("Senior manager, local authority", "senior leader"), ("Practice manager, local authority", "manager"),
        ("Local authority children’s social care, team manager", "manager"), ("Foster carer", "foster carer"),
        ("Local authority social worker", "social worker"), ("Independent Reviewing Officer, local authority",
         "social worker"), ("Education practitioner", "education"), ("Voluntary sector worker", "other"),
    ],
)  # fmt: skip
def test_speaker_labels_are_normalised_to_the_vocabulary(label, role):
    assert normalise_role(label) == role


@pytest.mark.parametrize(
    "words, role",
    [
        ("The care system is on its knees in my area", "lawyer"),
        ("The power dynamics and raised thresholds", "foster carer"),
        ("Very little understanding of issues round race", "lawyer"),
    ],
)
def test_survey_quotes_carry_their_speakers_role(built, words, role):
    hits = built[1].search(SearchRequest(f'"{words}"', k=5, mode="keyword")).hits
    assert hits and role in hits[0].passage.roles and hits[0].document.id == "survey"


def test_role_filter_and_facet_count_quotes_by_role(client, built):
    body = api(client, "q=social+workers+families+court&mode=keyword&role=lawyer&k=50&fold=off")
    assert body["results"] and all("lawyer" in r["roles"] for r in body["results"])
    with database(built[0]) as db:
        lawyers = db.execute("SELECT count(*) FROM passage_roles WHERE role = 'lawyer'").fetchone()[0]
        roles = dict(db.execute("SELECT r.role, count(*) FROM passage_roles r WHERE r.passage_id IN (SELECT value FROM "
                                "json_each(?)) GROUP BY 1", (str([r["passage_id"] for r in body["results"]]),)))  # fmt: skip
    assert 0 < body["total"] <= lawyers and body["facets"]["role"] == roles and roles["lawyer"] == body["total"]


FILTERS = [
    ("kind=inspection", lambda d: d["kind"] == "inspection"),
    ("kind=guidance&kind=inspection", lambda d: d["kind"] in ("guidance", "inspection")),
    ("publisher=ofsted", lambda d: d["publisher"] == "Ofsted"),
    (f"document={NOTTS}", lambda d: d["id"] == NOTTS),
    ("local_authority=Nottinghamshire", lambda d: d.get("local_authority") == "Nottinghamshire"),
    ("judgement=good", lambda d: d.get("judgements", {}).get("overall") == "good"),
    ("date_from=2024-07&date_to=2024-07", lambda d: d["date"].startswith("2024-07")),
    ("date_from=2024-06", lambda d: d["date"] >= "2024-06"),
    ("date_to=2022-12-31", lambda d: "" < d["date"] < "2023"),
]


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
@pytest.mark.parametrize("query, admits", FILTERS)
def test_each_filter_keeps_only_matching_documents_in_every_mode(client, built, query, admits, mode):
    body = api(client, f"q=children+care+leavers+support&k=100&fold=off&mode={mode}&{query}")
    assert body["results"] and all(admits(r["document"]) for r in body["results"])
    if mode == "keyword":  # every matching passage is ranked: the filter keeps exactly these, in the same order
        everything = all_results(client, "q=children+care+leavers+support&fold=off&mode=keyword")
        kept = ranked_ids(client, f"q=children+care+leavers+support&fold=off&mode=keyword&{query}")
        assert kept == [r["passage_id"] for r in everything if admits(r["document"])]


def test_a_filter_never_returns_fewer_results_than_exist(client, built):
    """Filtering before ranking: a filtered semantic search fills its page from the allowed passages alone."""
    body = api(client, "q=children&mode=semantic&k=10&document=practice-note&fold=off")
    with database(built[0]) as db:
        available = db.execute("SELECT count(*) FROM passages WHERE document_id = 'practice-note'").fetchone()[0]
    assert len(body["results"]) == min(10, available) == body["total"]


@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
def test_facet_counts_equal_a_direct_count_in_sqlite(client, built, mode):
    body = api(client, f"q=care&mode={mode}&fold=off&kind=inspection&kind=guidance&kind=commentary")
    with database(built[0]) as db:
        rows = db.execute(
            "SELECT p.id, d.kind, d.publisher, d.id, substr(d.date, 1, 4) FROM passages p "
            "JOIN documents d ON d.id = p.document_id WHERE p.id IN (SELECT value FROM json_each(?))",
            (str(ranked_ids(client, f"q=care&mode={mode}&fold=off&kind=inspection&kind=guidance&kind=commentary")),),
        ).fetchall()
        fts = db.execute("SELECT count(*) FROM passages_fts f JOIN passages p ON p.id = f.rowid JOIN documents d ON "
                         "d.id = p.document_id WHERE passages_fts MATCH 'care' AND d.kind IN "
                         "('inspection', 'guidance', 'commentary')").fetchone()[0]  # fmt: skip
    assert body["total"] == len(rows) and (mode == "hybrid" or body["total"] == fts)
    assert body["facets"]["kind"] == dict(Counter(r[1] for r in rows))
    assert body["facets"]["publisher"] == dict(Counter(r[2] for r in rows if r[2]))
    assert body["facets"]["document"] == dict(Counter(r[3] for r in rows))
    assert body["facets"]["year"] == dict(Counter(r[4] for r in rows if r[4]))
    assert body["documents"] == len({r[3] for r in rows})


def all_results(client, query: str, k: int = 100) -> list[dict]:
    """Every result of a search, page by page."""
    results, offset = [], 0
    while True:
        body = api(client, f"{query}&k={k}&offset={offset}")
        results += body["results"]
        if body["next"] is None:
            return results
        offset += k


def ranked_ids(client, query: str, k: int = 100) -> list[int]:
    return [r["passage_id"] for r in all_results(client, query, k)]


@pytest.mark.parametrize("mode", ["keyword", "semantic", "hybrid"])
def test_pages_are_stable_no_repeats_no_gaps(client, mode):
    whole = api(client, f"q=children+in+care&mode={mode}&k=100")
    paged = ranked_ids(client, f"q=children+in+care&mode={mode}", k=7)
    assert len(paged) == len(set(paged)) == whole["total"]
    assert paged[:100] == [r["passage_id"] for r in whole["results"]]
    ranks = [r["rank"] for r in api(client, f"q=children+in+care&mode={mode}&k=7&offset=14")["results"]]
    assert ranks == list(range(15, 15 + len(ranks)))


def test_paging_links_in_the_json(client):
    first = api(client, "q=children&k=5")
    assert first["previous"] is None and "offset=5" in first["next"] and first["next"].startswith("http://127.0.0.1:8000/")
    last = api(client, f"q=children&k=5&offset={(first['total'] - 1) // 5 * 5}")
    assert last["next"] is None and last["previous"]


def test_near_duplicate_rule_on_examples():
    boilerplate = (
        "The Office for Standards in Education, Children’s Services and Skills (Ofsted) regulates and inspects to "
        "achieve excellence in the care of children and young people, and in education and skills for learners of all ages."
    )
    assert jaccard(shingles(boilerplate), shingles(boilerplate.replace("all ages", "every age"))) >= 0.8
    overlap = "Children in care need stable homes. They also need people who stay. Social workers change too often."
    assert jaccard(shingles(overlap), shingles("Social workers change too often. Managers know this.")) < 0.8
    groups = near_duplicate_groups([(3, boilerplate), (1, overlap), (7, boilerplate + " Yes."), (9, "")])
    assert groups == {3: 3, 1: 1, 7: 3, 9: 9}


def test_folding_shows_a_paragraph_once_with_also_in(client):
    query = "q=%22present+as+homeless%22&mode=keyword"
    folded, unfolded = api(client, query), api(client, query + "&fold=off")
    assert unfolded["total"] == 2 and folded["total"] == 1
    (only,) = folded["results"]
    (other,) = only["also_in"]
    assert {only["document"]["id"], other["document"]["id"]} == {"note-a", "note-b"}
    assert other["url"].endswith(f"passage={other['passage_id']}#passage")


def test_group_by_document_ranks_documents_by_their_best_passage(client):
    flat = {"results": all_results(client, "q=care+leavers+personal+adviser&mode=hybrid&fold=off")}
    grouped = api(client, "q=care+leavers+personal+adviser&mode=hybrid&k=3&group=document")
    order = list(dict.fromkeys(r["document"]["id"] for r in flat["results"]))
    assert [g["document"]["id"] for g in grouped["groups"]] == order[:3]
    for group in grouped["groups"]:
        mine = [r for r in flat["results"] if r["document"]["id"] == group["document"]["id"]]
        assert group["count"] == len(mine) and [p["passage_id"] for p in group["passages"]] == [
            r["passage_id"] for r in mine[:3]
        ]
    assert grouped["documents"] == len(order) and grouped["results"] == []
    second = api(client, "q=care+leavers+personal+adviser&mode=hybrid&k=3&group=document&offset=3")
    assert [g["document"]["id"] for g in second["groups"]] == order[3:6]


@pytest.mark.parametrize(
    "query, names",
    [
        ("q=care&page=2", "'page'"),
        ("q=care&format=pdf", "Unknown format 'pdf'"),
        ("q=care&from=2024", "'from'"),
        ("q=care&q=homes", "'q' was given 2 times"),
        ("q=care&k=5&k=6", "'k' was given 2 times"),
        ("q=care&kind=novel", "Unknown kind 'novel'"),
        ("q=care&judgement=poor", "Unknown judgement 'poor'"),
        ("q=care&publisher=Nobody", "No document from a publisher 'Nobody' is in this collection"),
        ("q=care&document=nothing", "No document 'nothing' is in this collection"),
        ("q=care&local_authority=Kent", "No Ofsted report about 'Kent' is in this collection: the 1 in this collection"),
        ("q=care&role=astronaut", "Unknown role 'astronaut'"),
        ("q=care&date_from=2024-13", "date_from must be a date"),
        ("q=care&date_to=May", "date_to must be a date"),
        ("q=care&offset=-1", "offset must be a whole number"),
        ("q=care&offset=1000&k=10", "offset must be between 0 and 999"),
        ("q=care&fold=maybe", "fold must be on or off"),
        ("q=care&group=publisher", "Unknown group 'publisher'"),
    ],
)
def test_unknown_repeated_and_bad_parameters_are_a_400_naming_them(client, query, names):
    response = client.get(f"/api/search?{query}")
    assert response.status_code == 400 and names in response.get_json()["error"]["message"]
    page = client.get(f"/?{query}")
    assert page.status_code == 400 and names.replace("'", "&#39;").encode() in page.data


def test_filter_values_are_matched_without_regard_to_case(client):
    body = api(client, "q=care&publisher=OFSTED&kind=Inspection")
    assert body["filters"] == {"publisher": ["Ofsted"], "kind": ["inspection"]}


def test_words_nothing_contains_are_said_to_be_found_by_meaning_alone(client):
    body = api(client, "q=xyzzyplugh")
    assert body["match"] == "meaning only" and "found by meaning alone" in body["notice"] and body["results"]
    assert body["suggestion"] == ""
    assert api(client, "q=foster+carers")["match"] == "words"


def test_a_misspelling_gets_a_suggestion_from_the_corpus_words(client):
    body = api(client, "q=unregulted+acommodation")
    assert body["suggestion"] == "unregulated accommodation" and body["match"] == "meaning only"
    page = client.get("/?q=unregulted+acommodation").get_data(as_text=True)
    assert "Did you mean" in page and "unregulated accommodation" in page


def test_the_page_takes_the_same_parameters_and_shows_counts_facets_and_paging(client):
    page = client.get("/?q=care&kind=inspection&k=5&group=document").get_data(as_text=True)
    assert "<h1>" in page and 'aria-live="polite"' in page
    assert "passages in 1 document" in page and "Group by document" in page
    assert 'name="kind" value="inspection" checked' in page and '<option value="5"' not in page
    page = client.get("/?q=care&k=20").get_data(as_text=True)
    assert '<option value="20" selected>' in page and 'rel="next"' in page and "offset=20" in page


def test_the_catalogue_page_and_api_take_the_document_filters(client):
    body = client.get("/api/documents?judgement=good&kind=inspection").get_json()
    assert [d["id"] for d in body["documents"]] == [NOTTS] and body["documents"][0]["local_authority"] == "Nottinghamshire"
    page = client.get("/documents?judgement=good").get_data(as_text=True)
    assert "1 document" in page and "Nottinghamshire" in page
    assert client.get("/documents?judgement=awful").status_code == 400
    assert client.get("/api/documents?role=lawyer").status_code == 400


def test_date_filters_follow_each_dates_precision():
    assert date_span("2024") == ("2024-01-01", "2024-12-31")
    assert date_span("2024-02") == ("2024-02-01", "2024-02-29")
    filters = Filters(date_from="2024-07-15")
    where, params = filter_where(filters)
    assert "d.date_end >= ?" in where and params == ["2024-07-15"]  # a document dated 2024-07 still matches


@pytest.mark.parametrize(
    "text, named",
    [
        ("how does Salford support care leavers", {"Salford": "Salford"}),
        ("Salford's care leavers", {"Salford": "Salford"}),
        ("reading ages of children in care", {}),  # the word, not the council
        ("Reading care leavers", {"Reading": "Reading"}),
        ("Southend children in care council", {"Southend-on-Sea": "Southend"}),
        ("Southend-on-Sea inspection", {"Southend-on-Sea": "Southend-on-Sea"}),
        ("Leicestershire family help", {"Leicestershire": "Leicestershire"}),  # not Leicester
        ("Brighton and Hove or Salford", {"Brighton and Hove": "Brighton and Hove", "Salford": "Salford"}),
        ("non-Salford councils", {}),
        ("salford care leavers", {"Salford": "salford"}),  # a name only its own reports use may be lower case
        ("southend children", {"Southend-on-Sea": "southend"}),
    ],
)  # fmt: skip
def test_a_council_is_named_by_its_name_or_short_name_with_capitals(text, named):
    councils = {"Salford": True, "Reading": False, "Southend-on-Sea": True, "Leicester": True, "Leicestershire": True,
                "Brighton and Hove": False}  # fmt: skip
    assert named_councils(text, councils) == named


def test_the_names_are_taken_out_of_the_query_unless_nothing_would_be_left():
    assert without_names(parse_query("Salford's care leavers", 500), ["Salford"], 500).terms == ("care", "leavers")
    alone = parse_query("Salford", 500)
    assert without_names(alone, ["Salford"], 500) == alone


QUESTION = "Nottinghamshire homeless joint assessment"


@pytest.mark.parametrize("mode", ["hybrid", "keyword", "semantic"])
def test_a_named_councils_reports_come_first_and_the_switch_turns_it_off(built, mode):
    searcher = built[1]
    on = searcher.search(SearchRequest(QUESTION, k=100, mode=mode, fold=False))
    off = searcher.search(SearchRequest(QUESTION, k=100, mode=mode, fold=False, named=False))
    assert on.named == ("Nottinghamshire",) and off.named == ()
    about = [hit.document.id == NOTTS for hit in on.hits]
    assert about[0] and about == sorted(about, reverse=True)  # every passage of the report before any other
    assert not all(hit.document.id == NOTTS for hit in off.hits[:3])  # the notes on joint assessments rank high too
    rest = searcher.search(
        SearchRequest("homeless joint assessment", k=100, mode=mode, fold=False)
    )  # the name chose the documents
    others = [hit.passage.id for hit in rest.hits if hit.document.id != NOTTS]
    assert [hit.passage.id for hit in on.hits if hit.document.id != NOTTS] == others[: 100 - sum(about)]


def test_a_name_only_its_own_report_uses_may_be_typed_in_lower_case(built):
    searcher = built[1]
    assert searcher.councils(searcher.current()) == {"Nottinghamshire": True}
    assert searcher.search(SearchRequest(QUESTION.lower(), k=10, mode="keyword")).named == ("Nottinghamshire",)


def test_a_local_authority_filter_wins_over_a_named_council(built):
    results = built[1].search(
        SearchRequest(QUESTION, k=10, mode="keyword", filters=Filters(local_authority=("Nottinghamshire",)))
    )
    assert results.named == ("Nottinghamshire",) and {hit.document.id for hit in results.hits} == {NOTTS}
    results = built[1].search(SearchRequest("Tameside homeless joint assessment", k=10, mode="keyword"))
    assert results.named == ()  # the notes mention Tameside, but no Ofsted report is about it


def test_the_api_and_page_say_which_councils_came_first(client):
    assert api(client, f"q={QUESTION}&mode=keyword")["named_councils"] == ["Nottinghamshire"]
    assert api(client, f"q={QUESTION}&mode=keyword&named=off")["named_councils"] == []
    response = client.get(f"/api/search?q={QUESTION}&named=maybe")
    assert response.status_code == 400 and "named must be on or off" in response.get_json()["error"]["message"]
    page = client.get(f"/?q={QUESTION}").get_data(as_text=True)
    assert "Ofsted reports about Nottinghamshire, named in the query, come first." in page
    assert "local_authority=Nottinghamshire" in page and "named=off" in page


def test_a_named_council_the_filters_leave_out_changes_nothing(built):
    searcher = built[1]
    for filters in (Filters(kind=("guidance",)), Filters(local_authority=("Nottinghamshire",), kind=("commentary",))):
        on = searcher.search(SearchRequest(QUESTION, k=20, mode="keyword", filters=filters))
        off = searcher.search(SearchRequest(QUESTION, k=20, mode="keyword", filters=filters, named=False))
        assert on.named == () and [h.passage.id for h in on.hits] == [h.passage.id for h in off.hits]


def test_a_role_no_passage_quotes_is_said_plainly_not_as_no_match(client, built):
    from ingest.metadata import ROLES

    quoted = {role for held in built[1].current().store.facts.roles.values() for role in held}
    missing = next(role for role in ROLES if role not in quoted)
    body = api(client, f"q=care&role={missing.replace(' ', '+')}")
    assert body["total"] == 0 and body["notice"].startswith(f"No passage in this collection quotes a {missing}: ")
    assert quoted and all(role in body["notice"] for role in quoted)
    body = api(client, "q=xylophone&mode=keyword&role=lawyer")
    assert body["total"] == 0 and body["notice"].startswith("No passage matched")


def test_the_finding_filter_keeps_weaknesses_each_with_the_sentence_that_criticises(client, built):
    body = api(client, "q=children+care+leavers+support&mode=keyword&finding=weakness&k=100&fold=off")
    assert body["results"] and body["filters"] == {"finding": ["weakness"]}
    for r in body["results"]:
        assert r["document"]["id"] == NOTTS and r["finding"] == "weakness" and r["criticisms"]
        assert all(r["text"][c["start"] : c["end"]] == c["text"] and c["phrase"] for c in r["criticisms"])
    with database(built[0]) as db:
        counts = dict(db.execute("SELECT finding, count(*) FROM passages WHERE document_id = ? GROUP BY 1", (NOTTS,)))
        others = db.execute("SELECT count(*) FROM passages WHERE document_id != ? AND finding != ''", (NOTTS,))
        assert others.fetchone()[0] == 0  # only inspection reports have findings
    assert set(counts) <= {"weakness", "strength", "neutral"} and counts["weakness"] and counts["strength"]
    every = api(client, f"q=children&mode=semantic&document={NOTTS}&k=0&aggs=finding&fold=off&require=")
    assert {b["value"]: b["passages"] for b in every["aggregations"]["finding"]} == counts


def test_the_finding_facet_counts_passages_as_sqlite_does(client, built):
    query = "q=children+care&mode=keyword&fold=off"
    body = api(client, f"{query}&k=0")
    with database(built[0]) as db:
        rows = db.execute("SELECT finding FROM passages WHERE id IN (SELECT value FROM json_each(?))",
                          (str(ranked_ids(client, query)),)).fetchall()  # fmt: skip
    assert body["facets"]["finding"] == dict(Counter(r[0] for r in rows if r[0]))


def test_the_catalogue_keeps_documents_with_passages_of_a_finding_and_counts_them(client, built):
    with database(built[0]) as db:
        weak = db.execute("SELECT count(*) FROM passages WHERE finding = 'weakness'").fetchone()[0]
    body = client.get("/api/documents?finding=weakness").get_json()
    assert [(d["id"], d["with_finding"]) for d in body["documents"]] == [(NOTTS, weak)]
    page = client.get("/documents?finding=weakness").get_data(as_text=True)
    assert "1 document" in page and "Passages: weakness" in page and f">{weak}</a>" in page
    assert client.get("/api/documents?finding=awful").status_code == 400


def test_the_page_says_which_quotation_is_whose(client, built):
    """A passage quoting several people lists each quotation's opening words with its speaker's role, in order."""
    body = api(client, "q=social+workers+families+court&mode=keyword&k=100&fold=off&document=survey")
    several = next(r for r in body["results"] if len(r.get("quotes", [])) > 1)
    assert [q["role"] for q in several["quotes"]][:1] == several["roles"][:1]
    assert all(several["text"][q["start"] : q["end"]] == q["text"] for q in several["quotes"])
    words = " ".join(several["quotes"][1]["text"].lstrip("'‘“").split()[:8])  # its own mark left to the <q>
    html = client.get("/?q=social+workers+families+court&mode=keyword&k=100&fold=off&document=survey")
    html = html.get_data(as_text=True).replace("&#39;", "'").replace("&#34;", '"')
    assert 'aria-label="Who said each quotation"' in html and f"<q>{words}" in html
