"""What speakers said, point by point: the seed checks that keep statements whole and every
named actor linked, points in the API, search and theme filters (both engines), writes that
keep them in step, and the seed report's coverage figures."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.config import PROJECT_ROOT
from app.core.db import make_engine, make_sessionmaker, unit_of_work
from app.records.auth import create_key
from app.seeding import schemas as s
from app.seeding.checks import normalize_text
from app.seeding.mentions import mention_problems
from app.seeding.reader import Dataset, Located, read_dataset
from app.seeding.report import build_report, format_report
from app.seeding.statements import statement_problems
from tests.conftest import FIXTURE_SEEDS, SOURCES_DIR, client_for, seeded

SEEDS = PROJECT_ROOT / "seeds"
STOP = {"which", "their", "there", "would", "should", "could", "these", "those", "about"}


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return read_dataset(SEEDS)


def _cm15_participants(dataset: Dataset) -> Iterator[tuple[s.EventIn, s.ParticipantIn]]:
    for event in dataset.of("events"):
        if "cm-15" in (event.id, event.parent):
            yield from ((event, p) for p in event.participants)


def _points(dataset: Dataset) -> list[tuple[str, s.PointIn]]:
    return [
        (f"{event.id}.{p.role}.{p.actor}.point-{n + 1}", point)
        for event in dataset.of("events")
        for p in event.participants
        for n, point in enumerate(p.points)
    ]


def _event(ident: str, participants: list[s.ParticipantIn], **fields: object) -> s.EventIn:
    cite = [s.CitationIn(source="x", locator="p. 1")]
    return s.EventIn(
        id=ident,
        title="A session",
        kind="session",
        date="2017",
        participants=participants,
        cite=cite,
        **fields,
    )


def _actor(ident: str, name: str, acronym: str | None = None) -> s.ActorIn:
    cite = [s.CitationIn(source="x", locator="p. 1")]
    return s.ActorIn(id=ident, name=name, kind="igo", acronym=acronym, cite=cite)


def _dataset(**kinds: list[s.Record]) -> Dataset:
    found = Dataset()
    for kind, records in kinds.items():
        found.records[kind] = [Located("test.yaml", r) for r in records]
    return found


class TestSeedChecks:
    def test_every_cm15_statement_carries_points_with_quotes(self, dataset):
        said = [(e, p) for e, p in _cm15_participants(dataset) if p.statement]
        assert len(said) >= 29
        assert not statement_problems(dataset)
        for event, p in said:
            assert p.points, f"{event.id} {p.actor}"
            for point in p.points:
                assert all(c.quote and len(c.quote) <= 200 for c in point.cite)

    def test_point_quotes_occur_in_the_report(self, dataset):
        report_text = (SOURCES_DIR / "003_5aac2a6bb2689fab.txt").read_text(encoding="utf-8")
        text = normalize_text(report_text)
        quotes = [c.quote for _, pt in _points(dataset) for c in pt.cite if c.quote]
        assert len(quotes) >= 200
        missing = [q for q in quotes if normalize_text(q) not in text]
        assert not missing

    def test_statement_without_points_is_reported_with_its_verb(self):
        talk = s.ParticipantIn(
            actor="kelley",
            role="panellist",
            statement="Listed issues common to both compacts.",
            cite=[s.CitationIn(source="x", locator="p. 9")],
        )
        data = _dataset(events=[_event("cm-15.s5", [talk], parent="cm-15")])
        (problem,) = statement_problems(data)
        assert "'kelley' has no points" in problem
        assert "Listed" in problem

    def test_named_actor_must_be_linked_or_excused(self):
        unhcr = _actor("unhcr", "Office of the UN High Commissioner for Refugees", "UNHCR")
        gfmd = _actor("gfmd-cs", "GFMD Civil Society Days")
        event = _event("e1", [], description="Stated by UNHCR; not the GFMD civil society days.")
        problems = mention_problems(_dataset(actors=[unhcr, gfmd], events=[event]))
        assert [p.split("'")[3] for p in problems] == ["unhcr", "gfmd-cs"]
        excused = s.UnlinkedMentionIn(event="e1", actor="unhcr", reason="named in passing only")
        stale = s.UnlinkedMentionIn(event="e1", actor="iom", reason="no longer named at all")
        data = _dataset(actors=[unhcr, gfmd], events=[event], unlinked_mentions=[excused, stale])
        problems = mention_problems(data)
        assert len(problems) == 2
        assert "gfmd-cs" in problems[0]
        assert "'iom' unlinked; remove the entry" in problems[1]

    def test_longer_name_wins_and_a_linked_actor_passes(self):
        pga = _actor("pga", "President of the General Assembly")
        ga = _actor("ga", "General Assembly")
        chair = s.ParticipantIn(
            actor="pga", role="chair", cite=[s.CitationIn(source="x", locator="p")]
        )
        event = _event(
            "e1", [chair], description="Chaired by the President of the General Assembly."
        )
        assert not mention_problems(_dataset(actors=[pga, ga], events=[event]))

    def test_the_dataset_links_every_named_actor_with_a_short_exception_list(self, dataset):
        assert not mention_problems(dataset)
        excused = list(dataset.of("unlinked_mentions"))
        assert 0 < len(excused) <= 12
        assert all(len(x.reason) >= 30 for x in excused)


class TestReport:
    def test_coverage_per_source_and_longest_gaps(self, dataset):
        report = build_report(dataset, SOURCES_DIR)
        cm15 = next(r for r in report.sources if r.source_id == "desa-cm15-2017")
        assert cm15.sentences > 400
        assert 0.7 < cm15.sentence_share <= 1
        assert 0.6 < cm15.text_share <= 1
        gaps = cm15.longest_gaps(3)
        lengths = [sum(len(x) for x in run) for run in gaps]
        assert lengths == sorted(lengths, reverse=True)
        text = format_report(report)
        assert re.search(r"003_5aac2a6bb2689fab\.txt: \d+ of \d+ sentences \(\d+%\)", text)
        assert "longest passages no citation touches" in text


def _two_words(text: str) -> str:
    words = [w for w in re.findall(r"[A-Za-z]+", text) if len(w) >= 5 and w.lower() not in STOP]
    first, second = sorted(dict.fromkeys(words), key=lambda w: (-len(w), w))[:2]
    return f"{first} {second}"


class TestApi:
    def test_session_shows_points_with_themes_and_quotes(self, dataset_client):
        body = dataset_client.get("/api/v1/events/cm-15.s5").json()
        kelley = next(a for a in body["actors"] if a["actor"]["id"] == "ninette-kelley")
        assert kelley["on_behalf_of"]["id"] == "unhcr"
        texts = [p["text"] for p in kelley["points"]]
        assert any("rescue at sea" in t and "border management" in t for t in texts)
        common = next(p for p in kelley["points"] if "rescue at sea" in p["text"])
        assert {"borders", "data"} <= {t["id"] for t in common["themes"]}
        assert any("rescue-at-sea" in c["quote"] for c in common["citations"])
        assert common["id"] == "cm-15.s5.panellist.ninette-kelley.point-5"

    def test_actor_profile_shows_the_points_of_its_statements(self, dataset_client):
        body = dataset_client.get("/api/v1/actors/craig-mokhiber").json()
        (role,) = [r for r in body["meeting_roles"] if r["event"]["id"] == "cm-15.s5"]
        assert role["on_behalf_of"]["id"] == "ohchr"
        assert any("non-refoulement" in p["text"] for p in role["points"])

    def test_thirty_points_found_by_two_of_their_words(self, dataset_client, dataset):
        sample = random.Random(20).sample(_points(dataset), 30)
        for ident, point in sample:
            q = _two_words(point.text)
            hits = dataset_client.get(
                "/api/v1/search", params={"q": q, "kind": "point", "limit": 500}
            ).json()["items"]
            found = {h["id"]: h for h in hits}
            assert ident in found, f"{q!r} does not find {ident}"
            hit = found[ident]
            assert hit["title"] == point.text
            assert hit["subject"]["kind"] == "event"
            assert hit["path"] == f"/api/v1/events/{hit['subject']['id']}"

    def test_theme_filter_reaches_an_event_through_its_points(self, dataset_client, dataset):
        """A theme selects exactly the items tagged with it and those where a speaker made a
        point on it: not an item where someone spoke only on other themes."""
        tagged: dict[str, set[str]] = {}
        spoken: dict[str, set[str]] = {}
        for event in dataset.of("events"):
            for theme in event.themes:
                tagged.setdefault(theme, set()).add(event.id)
            for p in event.participants:
                for point in p.points:
                    for theme in point.themes:
                        spoken.setdefault(theme, set()).add(event.id)
        only_spoken = sorted(t for t in spoken if spoken[t] - tagged.get(t, set()))
        assert only_spoken, "no theme reaches an item only through a point"
        for theme in {only_spoken[0], only_spoken[-1], sorted(tagged)[0]}:
            expected = tagged.get(theme, set()) | spoken.get(theme, set())
            response = dataset_client.get("/api/v1/timeline", params={"theme": theme, "limit": 500})
            body = response.json()
            assert body["next_cursor"] is None
            assert {i["id"] for i in body["items"]} == expected, theme


POINT = {
    "text": "Proposed a fact-based preparatory process for the compact.",
    "themes": ["governance"],
    "cite": [
        {
            "source": "desa-cm15-2017",
            "quote": "In his capacity as moderator, Ambassador Juan José Gómez Camacho",
        }
    ],
}


def moderator_with(*points: dict[str, Any]) -> dict[str, Any]:
    """cm-15.s3's moderator, as written in the event, making these points."""
    return {
        "actor": "juan-jose-gomez-camacho",
        "role": "moderator",
        "capacity": "Permanent Representative of Mexico to the United Nations",
        "points": list(points),
        "cite": [
            {
                "source": "desa-cm15-2017",
                "quote": "In his capacity as moderator, Ambassador Juan José Gómez Camacho",
            }
        ],
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def writer(request, tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    for url in seeded(request.param, tmp_path, FIXTURE_SEEDS):
        engine = make_engine(url)
        with unit_of_work(make_sessionmaker(engine)) as session:
            token = create_key(session, "curator", "write")
        engine.dispose()
        for client in client_for(url):
            yield client, token


def test_points_written_through_the_api_are_shown_and_searchable(writer):
    client, token = writer
    url = "/api/v1/events/cm-15.s3"
    read = client.get(url)
    event = read.json()
    assert event["actors"][0]["points"] == []
    headers = {"Authorization": f"Bearer {token}", "If-Match": read.headers["ETag"]}
    moderator = moderator_with(POINT)
    changed = client.patch(url, json={"participants": [moderator]}, headers=headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["participants"][0]["points"][0]["text"] == POINT["text"]
    (shown,) = client.get(url).json()["actors"][0]["points"]
    assert shown["id"] == "cm-15.s3.moderator.juan-jose-gomez-camacho.point-1"
    assert [t["id"] for t in shown["themes"]] == ["governance"]
    hits = client.get("/api/v1/search", params={"q": "preparatory fact-based"}).json()["items"]
    assert ("point", shown["id"]) in {(h["kind"], h["id"]) for h in hits}
    etag = client.get(url).headers["ETag"]
    moderator["points"] = []
    headers["If-Match"] = etag
    assert client.patch(url, json={"participants": [moderator]}, headers=headers).status_code == 200
    assert client.get(url).json()["actors"][0]["points"] == []
    hits = client.get("/api/v1/search", params={"q": "preparatory fact-based"}).json()["items"]
    assert all(h["kind"] != "point" for h in hits)


def test_a_theme_reaches_an_item_through_a_point_s_tag_only(writer):
    """Ids are unique within a kind only: a pledge may bear a statement point's id. The
    pledge's theme must not bring in the event where the point was made."""
    client, token = writer
    url = "/api/v1/events/cm-15.s3"
    read = client.get(url)
    moderator = moderator_with(POINT)
    headers = {"Authorization": f"Bearer {token}"}
    changed = client.patch(
        url,
        json={"participants": [moderator]},
        headers=headers | {"If-Match": read.headers["ETag"]},
    )
    assert changed.status_code == 200, changed.text
    point = "cm-15.s3.moderator.juan-jose-gomez-camacho.point-1"
    pledge = {
        "id": point,
        "title": "A pledge that bears a point's id",
        "pledgers": ["mexico"],
        "themes": ["pledging"],
        "cite": [{"source": "wmr-2024-ch8", "quote": "Pledges are measurable commitments"}],
    }
    created = client.post("/api/v1/pledges", json=pledge, headers=headers)
    assert created.status_code == 201, created.text

    def items(theme: str) -> list[str]:
        body = client.get("/api/v1/timeline", params={"theme": theme, "limit": 500}).json()
        return [i["id"] for i in body["items"]]

    assert "cm-15.s3" in items("governance")  # the point's own theme
    assert "cm-15.s3" not in items("pledging")
