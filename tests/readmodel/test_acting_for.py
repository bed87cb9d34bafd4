"""An actor's timeline and profile include what was done for it: by people holding a post in
it at the time, and by anyone acting on its behalf, each item saying how (``via``)."""

from __future__ import annotations

from tests.acting_for_oracle import differences, expected_reach, timeline
from tests.api.test_writes import api, auth  # noqa: F401 (the fixture)


def test_every_state_and_organisation_holds_every_event_someone_acted_for_it_at(
    dataset_client, dataset_db
):
    own, ways, actors = expected_reach(dataset_db)
    assert len(actors) > 50
    assert sum(len(w) for w in ways.values()) > 40
    wrong = [
        difference
        for actor in actors
        for difference in differences(dataset_client, actor, own[actor], ways[actor])
    ]
    assert not wrong
    chosen = ["mexico", "switzerland", "iom"]  # the bench's check at 1M reads only these
    own_of, ways_of, _ = expected_reach(dataset_db, chosen)
    assert all(own_of[a] == own[a] and ways_of[a] == ways[a] for a in chosen)


def test_mexico_co_facilitated_through_its_permanent_representative(dataset_client):
    items = timeline(dataset_client, "mexico")
    by_id = {item["id"]: item for item in items}
    assert len(items) == 12
    (appointed,) = by_id["gcm-co-facilitators-appointment-2016"]["via"]
    assert (appointed["kind"], appointed["person"]) == ("on_behalf_of", "juan-jose-gomez-camacho")
    named = {(v["kind"], v["person"]) for v in by_id["ga-adoption-a-res-71-280"]["via"]}
    assert named == {
        ("on_behalf_of", "juan-jose-gomez-camacho"),
        ("position", "juan-jose-gomez-camacho"),
    }
    assert {i["id"] for i in items if i["direct"]} == {"gfmd-2010", "gcm-stocktaking-2017"}
    rounds = [f"gcm-negotiation-round-{n}" for n in range(1, 7)]
    for ident in [*rounds, "gcm-zero-draft-publication"]:
        (way,) = by_id[ident]["via"]
        assert way["position"] == "juan-jose-gomez-camacho.pr-mexico"
        assert (way["kind"], way["post_held"]) == ("position", "during")
        assert by_id[ident]["direct"] is False
    (moderator,) = by_id["cm-15.s3"]["via"]
    assert moderator["position"] == "juan-jose-gomez-camacho.pr-mexico"
    citation = dataset_client.get(f"/api/v1/citations/{moderator['citations'][0]}").json()
    assert citation["subject"] == {"kind": "position", "id": moderator["position"]}
    filtered = dataset_client.get("/api/v1/timeline", params={"actor": "mexico", "limit": 500})
    assert [i["id"] for i in filtered.json()["items"]] == [i["id"] for i in items]
    profile = dataset_client.get("/api/v1/actors/mexico").json()
    assert [a["event"]["id"] for a in profile["acted_for"]] == [i["id"] for i in items if i["via"]]


def test_on_behalf_of_is_told_apart_from_a_post(dataset_client):
    (item,) = [i for i in timeline(dataset_client, "sweden") if i["id"] == "cm-15.s3"]
    kinds = {(v["kind"], v["person"]) for v in item["via"]}
    assert kinds == {("on_behalf_of", "lars-westbratt"), ("position", "lars-westbratt")}
    assert item["direct"] is False


def test_several_actors_list_the_ways_of_each(dataset_client):
    params = {"actor": ["mexico", "sweden"], "limit": 500}
    items = dataset_client.get("/api/v1/timeline", params=params).json()["items"]
    session = next(i for i in items if i["id"] == "cm-15.s3")
    assert {v["actor"] for v in session["via"]} == {"mexico", "sweden"}
    plain = dataset_client.get("/api/v1/timeline", params={"limit": 5}).json()["items"]
    assert all("via" not in item and "direct" not in item for item in plain)


def test_timeline_files_say_how_an_item_reaches_the_actor(dataset_client):
    text = dataset_client.get("/api/v1/actors/mexico/timeline", params={"format": "csv"}).text
    header, *rows = text.splitlines()
    assert header.split(",")[-3:] == ["direct", "via", "citations"]
    assert any("juan-jose-gomez-camacho (juan-jose-gomez-camacho.pr-mexico)" in r for r in rows)


def test_a_new_post_reaches_its_organization_and_its_profile(api):  # noqa: F811
    client, tokens = api
    before = timeline(client, "iom")
    assert "cm-15.s3" not in {i["id"] for i in before}
    post = {
        "id": "gomez-camacho-iom-adviser",
        "person": "juan-jose-gomez-camacho",
        "title": "Adviser",
        "organization": "iom",
        "date": "2017-02-17/2017-12",
        "cite": [
            {
                "source": "desa-cm15-2017",
                "quote": "Ambassador Juan José Gómez Camacho, Permanent Representative of "
                "Mexico to the United Nations",
            }
        ],
    }
    created = client.post("/api/v1/positions", json=post, headers=auth(tokens["write"]))
    assert created.status_code == 201, created.text
    (item,) = [i for i in timeline(client, "iom") if i["id"] == "cm-15.s3"]
    (way,) = item["via"]
    assert (way["position"], way["post_held"]) == ("gomez-camacho-iom-adviser", "possibly")
    fresh = {"Cache-Control": "no-cache"}
    profile = client.get("/api/v1/actors/iom", headers=fresh).json()
    assert [a["event"]["id"] for a in profile["acted_for"]] == ["cm-15.s3"]
    deleted = client.delete(
        "/api/v1/positions/gomez-camacho-iom-adviser", headers=auth(tokens["admin"])
    )
    assert deleted.status_code == 204
    assert [i["id"] for i in timeline(client, "iom")] == [i["id"] for i in before]
    assert client.get("/api/v1/actors/iom", headers=fresh).json()["acted_for"] == []
