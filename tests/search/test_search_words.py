"""Search finds what the sources say: words broken across lines by a hyphen in the quotes,
accents typed or not, and the record named exactly ranked first."""

from __future__ import annotations

import re

from sqlalchemy import select

from app import models as m
from app.core.db import make_engine

# A word the source broke at a line end: letters, a hyphen, perhaps a line break, then the
# rest of the word in lower case.
BROKEN = re.compile(r"([A-Za-z]+)-\s*([a-z]+)")


def broken_words(url: str) -> dict[str, set[str]]:
    """Each joined word of the stored quotes, with the citations whose quote breaks it."""
    engine = make_engine(url)
    with engine.connect() as connection:
        quotes = connection.execute(
            select(m.Citation.id, m.Citation.quote).where(m.Citation.quote.is_not(None))
        ).all()
    engine.dispose()
    found: dict[str, set[str]] = {}
    for ident, quote in quotes:
        for first, rest in BROKEN.findall(quote or ""):
            found.setdefault((first + rest).lower(), set()).add(ident)
    return found


def test_every_hyphen_broken_word_in_the_quotes_is_found_whole(dataset_client, dataset_db):
    words = broken_words(dataset_db)
    assert {"intergovernmental", "culmination"} <= set(words)
    for word, citations in words.items():
        params = {"q": word, "kind": "citation", "limit": 500}
        hits = dataset_client.get("/api/v1/search", params=params).json()["items"]
        assert citations <= {hit["id"] for hit in hits}, word


def test_the_record_named_exactly_ranks_first(dataset_client):
    for q, kind, ident in [
        ("IOM", "actor", "iom"),
        ("Global Migration Group", "process", "gmg"),
        ('"UN Migration Agency"', "actor", "iom"),
        ("Global Compact on Refugees", "instrument", "gcr"),
    ]:
        (first, *_) = dataset_client.get("/api/v1/search", params={"q": q}).json()["items"]
        assert (first["kind"], first["id"]) == (kind, ident), q
    actors = dataset_client.get("/api/v1/actors", params={"q": "IOM"}).json()["items"]
    assert actors[0]["id"] == "iom"
    assert len({a["id"] for a in actors}) == len(actors) > 3
    one = dataset_client.get("/api/v1/actors", params={"q": "IOM", "limit": 1}).json()
    rest = dataset_client.get("/api/v1/actors", params={"q": "IOM", "cursor": one["next_cursor"]})
    assert [a["id"] for a in one["items"] + rest.json()["items"]] == [a["id"] for a in actors]


def test_accents_fold_alike(dataset_client):
    with_accent = dataset_client.get("/api/v1/search", params={"q": "Crépeau"}).json()["items"]
    without = dataset_client.get("/api/v1/search", params={"q": "Crepeau"}).json()["items"]
    assert with_accent == without
    assert with_accent[0]["id"] == "francois-crepeau"
    timeline = dataset_client.get("/api/v1/timeline", params={"q": "Crepeau"}).json()["items"]
    assert timeline
