"""Adoption and endorsement are different facts: each act of an instrument has its own date,
body, meeting, symbol, vote and citations, in the model and in a comparison."""

from __future__ import annotations


def test_compare_shows_adoption_and_endorsement_apart(dataset_client):
    body = dataset_client.get("/api/v1/compare", params={"left": "gcm", "right": "gcr"}).json()
    rows = {row["attribute"]: row for row in body["attributes"]}
    adoption = rows["adoption"]["left"]
    assert adoption["date"]["edtf"] == "2018-12-10"
    assert adoption["meeting"]["id"] == "gcm-conference-2018"
    assert (adoption["body"], adoption["symbol"], adoption["vote"]) == (None, None, None)
    endorsement = rows["endorsement"]["left"]
    assert endorsement["date"]["edtf"] == "2018-12-19"
    assert endorsement["body"]["id"] == "un-general-assembly"
    assert (endorsement["symbol"], endorsement["vote"]) == ("A/RES/73/195", "152-5-12")
    affirmation = rows["endorsement"]["right"]
    assert affirmation["act"] == "affirmation"
    assert affirmation["date"]["edtf"] == "2018-12-17"
    assert (affirmation["symbol"], affirmation["vote"]) == ("A/RES/73/151", "181-2-3")
    assert rows["adoption"]["right"] is None
    for act in (adoption, endorsement, affirmation):
        assert act["citations"]
    sources = {c["source"]["id"] for c in endorsement["citations"]}
    assert "a-res-73-195" in sources
    assert rows["vote"]["left"] is None  # the GCM's text was adopted without a recorded vote


def test_each_act_is_on_its_own_date_and_points_at_a_meeting_of_that_date(dataset_client):
    items = []
    cursor = None
    while True:
        params = {"limit": 500, **({"cursor": cursor} if cursor else {})}
        page = dataset_client.get("/api/v1/instruments", params=params).json()
        items += page["items"]
        if not (cursor := page["next_cursor"]):
            break
    acts = [(i["id"], a) for i in items for a in i["acts"]]
    assert {i for i, _ in acts} >= {"gcm", "gcr", "imrf-progress-declaration"}
    for ident, act in acts:
        if act["meeting"]:
            meeting = dataset_client.get(f"/api/v1/events/{act['meeting']['id']}").json()
            assert meeting["date"]["start"] <= act["date"]["start"], ident
            assert act["date"]["end"] <= meeting["date"]["end"], ident
