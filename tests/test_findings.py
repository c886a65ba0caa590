"""Findings read from an Ofsted report's wording (ingest/findings.py): which sentences state a shortcoming."""

import pytest

from ingest.findings import IMPROVE, criticisms, finding, sentences


@pytest.mark.parametrize(
    "sentence, phrase",
    [
        ("Not all children who present as homeless are assessed.", "Not all"),
        ("Too many plans lack contingency arrangements.", "Too many"),
        ("The local authority does not have a clear system to measure timeliness.", "not have"),
        ("The quality of assessments is variable.", "variable"),
        ("Some children experience delay in receiving the services they need.", "delay"),
        ("Visits are not always carried out in line with statutory schedules.", "not always"),
        ("The response to private fostering is particularly weak.", "weak"),
        ("Only a small number of care leavers benefit from apprenticeships.", "Only a small number"),
        ("Management oversight is not consistently strong across services.", "not consistently"),
    ],
)
def test_a_sentence_that_states_a_shortcoming_is_a_criticism_with_its_phrase(sentence, phrase):
    assert criticisms(sentence) == [(0, len(sentence), phrase)]
    assert finding(sentence, "The experiences and progress of children in care: good") == "weakness"


@pytest.mark.parametrize(
    "sentence",
    [
        "Children enter care appropriately if they cannot live at home.",  # a condition, not a failing
        "When risks to children do not reduce, they are considered at legal placement panel.",
        "Robust systems are in place to identify children who are not in school.",  # describes the children
        "Strategy discussions ensure that children are not left in vulnerable situations.",
        "Decisions are made without delay.",
        "Stronger arrangements are now in place to reduce drift and delay.",
        "Robust management oversight enables any potential delays to be identified and tackled promptly.",
        "Leaders mostly know the strengths and weaknesses of the services they provide.",
        "Staff support children experiencing poor mental health and exploitation.",
        "The experiences and progress of care leavers Requires improvement to be good",  # a grade, not a sentence
    ],
)
def test_a_sentence_that_only_sounds_critical_is_not_one(sentence):
    assert criticisms(sentence) == []


def test_every_point_of_what_needs_to_improve_is_a_weakness_and_the_heading_is_not():
    text = "What needs to improve?\n◼ The sufficiency of suitable placements.\n◼ Escalation by IROs."
    found = criticisms(text, IMPROVE)
    assert [text[a:b] for a, b, _ in found] == ["The sufficiency of suitable placements.", "Escalation by IROs."]
    assert {phrase for _, _, phrase in found} == {IMPROVE}
    assert finding(text, IMPROVE) == "weakness"


def test_praise_is_a_strength_and_boilerplate_is_neutral():
    section = "The experiences and progress of children in care: outstanding"
    assert finding("Children benefit from timely and effective early help.", section) == "strength"
    assert finding("This report is available at https://reports.ofsted.gov.uk/.", section) == "neutral"


def test_sentences_are_verbatim_spans_without_their_surrounding_space():
    text = " 12. Plans are clear.  Visits are regular!\nRecords are kept"
    assert [text[a:b] for a, b in sentences(text)] == ["12. Plans are clear.", "Visits are regular!", "Records are kept"]
