"""Lists as files (CSV, NDJSON over all pages), the timeline as iCalendar and TimelineJS, and
a meeting as schema.org JSON-LD, on both engines."""

from __future__ import annotations

import csv
import io
import json

import pytest

TIMELINE = ["gfmd-2009-announced", "gfmd-2009", "cm-15", "cm-15.s3", "wmr-2024-publication"]
LISTS = [
    "/api/v1/timeline",
    "/api/v1/meetings",
    "/api/v1/processes",
    "/api/v1/processes/coordination-meetings/timeline",
    "/api/v1/actors",
    "/api/v1/actors/juan-jose-gomez-camacho/timeline",
    "/api/v1/instruments",
    "/api/v1/pledges",
    "/api/v1/sources",
    "/api/v1/figures",
    "/api/v1/disputes",
    "/api/v1/changes",
    "/api/v1/search?q=migration",
]


def _rows(response):
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.text)))


class TestCsv:
    def test_all_pages_whatever_the_limit(self, client):
        rows = _rows(client.get("/api/v1/timeline", params={"format": "csv", "limit": 1}))
        assert [r["id"] for r in rows] == TIMELINE

    def test_accept_header_selects_csv(self, client):
        rows = _rows(client.get("/api/v1/timeline", headers={"Accept": "text/csv"}))
        assert len(rows) == len(TIMELINE)
        preferred = client.get(
            "/api/v1/timeline", headers={"Accept": "application/json;q=0.5, text/csv"}
        )
        assert preferred.headers["content-type"].startswith("text/csv")
        assert client.get("/api/v1/timeline", headers={"Accept": "*/*"}).json()["items"]

    def test_flat_columns_dates_places_and_compact_citations(self, client):
        response = client.get("/api/v1/timeline?format=csv")
        assert 'filename="timeline.csv"' in response.headers["content-disposition"]
        row = next(r for r in _rows(response) if r["id"] == "cm-15")
        assert row["date_edtf"] == "2017-02-16/2017-02-17"
        assert (row["date_start"], row["date_end"]) == ("2017-02-16", "2017-02-17")
        assert row["date_display"] == "16–17 February 2017"
        assert row["process"] == "coordination-meetings"
        assert row["process_name"] == "Coordination Meeting on International Migration"
        assert row["place_city"] == "New York"
        assert row["themes"] == "governance"
        assert row["disputes"] == "gfmd-2010-host"
        assert row["citations"].startswith('desa-cm15-2017: "The Fifteenth Coordination Meeting')
        session = next(r for r in _rows(response) if r["id"] == "cm-15.s3")
        assert session["actors"] == "juan-jose-gomez-camacho (moderator)"
        assert list(row)[-1] == "citations"

    def test_filters_apply(self, client):
        rows = _rows(client.get("/api/v1/timeline?format=csv&q=athens"))
        assert [r["id"] for r in rows] == ["gfmd-2009"]

    @pytest.mark.parametrize("url", LISTS)
    def test_every_list_exports_csv_and_ndjson(self, client, url):
        sep = "&" if "?" in url else "?"
        page = client.get(f"{url}{sep}limit=500").json()["items"]
        rows = _rows(client.get(f"{url}{sep}format=csv"))
        assert len(rows) == len(page)
        lines = client.get(url, headers={"Accept": "application/x-ndjson"})
        assert lines.headers["content-type"] == "application/x-ndjson"
        assert [json.loads(line) for line in lines.text.splitlines()] == page

    def test_bad_format_is_422_and_bad_filter_is_a_problem_not_a_broken_file(self, client):
        body = client.get("/api/v1/actors?format=xlsx").json()
        assert body["errors"][0]["parameter"] == "format"
        assert client.get("/api/v1/actors?format=ics").status_code == 422
        bad = client.get("/api/v1/timeline?format=csv&cursor=WyJ4Il0")
        assert bad.status_code == 422
        assert bad.headers["content-type"].startswith("application/problem+json")


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


class TestICalendar:
    def test_one_all_day_vevent_per_item(self, client):
        response = client.get("/api/v1/timeline?format=ics")
        assert response.headers["content-type"] == "text/calendar; charset=utf-8"
        text = response.text
        assert text.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
        assert text.endswith("END:VCALENDAR\r\n")
        assert text.count("BEGIN:VEVENT") == len(TIMELINE)
        assert "\n" not in text.replace("\r\n", "")
        assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
        lines = _unfold(text)
        start = lines.index("UID:cm-15@migration-governance-timeline")
        event = lines[start : lines.index("END:VEVENT", start)]
        assert "DTSTART;VALUE=DATE:20170216" in event
        assert "DTEND;VALUE=DATE:20170218" in event  # exclusive: the day after the last
        assert "STATUS:CONFIRMED" in event
        description = next(e for e in event if e.startswith("DESCRIPTION:"))
        assert "EDTF 2017-02-16/2017-02-17" in description
        assert "16–17 February 2017" in description
        assert 'desa-cm15-2017: "The Fifteenth Coordination Meeting' in description
        assert "\\, New York\\, 16-17 February 2017" in description  # commas escaped
        assert "\\n" in description

    def test_status_partial_dates_and_stable_uids(self, client):
        lines = _unfold(client.get("/api/v1/timeline?format=ics").text)
        start = lines.index("UID:gfmd-2009-announced@migration-governance-timeline")
        event = lines[start : lines.index("END:VEVENT", start)]
        assert "STATUS:TENTATIVE" in event
        assert "DTSTART;VALUE=DATE:20091101" in event
        assert "DTEND;VALUE=DATE:20091201" in event
        again = _unfold(client.get("/api/v1/timeline", headers={"Accept": "text/calendar"}).text)
        uids = [line for line in lines if line.startswith("UID:")]
        assert uids == [line for line in again if line.startswith("UID:")]

    def test_folding_keeps_multibyte_characters_whole(self):
        from app.views.calendar import escape, fold

        line = "SUMMARY:" + escape("Réunion, à Genève; “quoted” — " * 6)
        folded = fold(line)
        assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
        assert folded.replace("\r\n ", "").removesuffix("\r\n") == line
        assert escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"


class TestTimelineJs:
    def test_document(self, client):
        body = client.get("/api/v1/timeline?format=timelinejs").json()
        events = {e["unique_id"]: e for e in body["events"]}
        assert list(events) == TIMELINE
        cm15 = events["cm-15"]
        assert cm15["start_date"] == {
            "year": 2017,
            "month": 2,
            "day": 16,
            "display_date": "16–17 February 2017",
        }
        assert cm15["end_date"] == {"year": 2017, "month": 2, "day": 17}
        assert cm15["text"]["headline"].startswith("Fifteenth Coordination Meeting")
        assert cm15["group"] == "Coordination Meeting on International Migration"
        assert events["wmr-2024-publication"]["start_date"] == {
            "year": 2024,
            "display_date": "2024",
        }
        assert "end_date" not in events["gfmd-2009-announced"]


class TestJsonLd:
    def test_meeting_as_schema_org_event(self, client):
        response = client.get("/api/v1/meetings/cm-15", headers={"Accept": "application/ld+json"})
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/ld+json"
        assert response.headers["etag"]
        body = response.json()
        assert body["@context"] == "https://schema.org"
        assert body["@type"] == "Event"
        assert body["name"] == "Fifteenth Coordination Meeting on International Migration"
        assert (body["startDate"], body["endDate"]) == ("2017-02-16", "2017-02-17")
        assert body["eventStatus"] == "https://schema.org/EventScheduled"
        assert body["location"]["address"]["addressLocality"] == "New York"
        assert body["citation"][0]["@type"] == "CreativeWork"
        assert body["citation"][0]["identifier"] == "ESA/P/WP/249"
        assert body["subEvent"][0]["name"].startswith("International cooperation")

    def test_precision_and_participants(self, client):
        announced = client.get("/api/v1/meetings/gfmd-2009-announced?format=jsonld").json()
        assert announced["startDate"] == "2009-11"
        assert "endDate" not in announced
        session = client.get(
            "/api/v1/meetings/cm-15.s3", headers={"Accept": "application/ld+json"}
        ).json()
        assert session["performer"] == [
            {
                "@type": "Person",
                "@id": "http://testserver/api/v1/actors/juan-jose-gomez-camacho",
                "name": "Juan José Gómez Camacho",
            }
        ]
        assert session["superEvent"]["name"].startswith("Fifteenth Coordination")

    def test_default_is_still_json(self, client):
        assert client.get("/api/v1/meetings/cm-15").headers["content-type"] == "application/json"
        assert client.get("/api/v1/meetings/cm-15?format=csv").status_code == 422


def test_openapi_documents_the_media_types(client):
    paths = client.get("/openapi.json").json()["paths"]
    timeline = paths["/api/v1/timeline"]["get"]["responses"]["200"]["content"]
    assert {"application/json", "text/csv", "application/x-ndjson", "text/calendar"} <= set(
        timeline
    )
    actors = paths["/api/v1/actors"]["get"]["responses"]["200"]["content"]
    assert {"text/csv", "application/x-ndjson"} <= set(actors)
    meeting = paths["/api/v1/meetings/{event_id}"]["get"]["responses"]["200"]["content"]
    assert "application/ld+json" in meeting
    assert "/api/v1/search" in paths
