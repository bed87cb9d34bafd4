"""Every malformed cursor is a 422 problem naming the cursor, never a 500 or a wrong page."""

from __future__ import annotations

import base64
import json
from datetime import date
from typing import Any

import pytest

from app.core.pagination import encode_cursor

PROBLEM = "application/problem+json"
ANY_LIST = "cursor is not valid: pass the next_cursor of a previous page unchanged"
THIS_LIST = "cursor is not valid for this list"


def _cursor(value: Any) -> str:
    raw = json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _refused(response, detail: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["detail"] == detail
    assert body["errors"] == [{"parameter": "cursor", "detail": detail}]


@pytest.mark.parametrize(
    "cursor",
    [
        _cursor({"start": "2017-01-01"}),
        _cursor("2017-01-01"),
        _cursor(7),
        _cursor(None),
        _cursor([]),
        _cursor([1.5, "2017-01-01", "cm-15"]),
        _cursor(["2017-01-01", "2017-01-02", 2.0]),
        _cursor([{"a": 1}, "2017-01-01", "cm-15"]),
        _cursor(["2017-01-01", ["2017-01-02"], "cm-15"]),
        base64.urlsafe_b64encode(b"not json").decode(),
        base64.urlsafe_b64encode(b"\xff\xfe[1]").decode(),
        "%%%",
        "a",
        "bm90IGpzb24=====",
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/timeline", "/api/v1/pledges", "/api/v1/search?q=gcm"])
def test_a_cursor_no_page_made_is_refused(client, path, cursor):
    sep = "&" if "?" in path else "?"
    _refused(client.get(f"{path}{sep}cursor={cursor}"), ANY_LIST)


@pytest.mark.parametrize(
    "after",
    [
        ["2017-02-16", "2017-02-17"],
        ["2017-02-16", "2017-02-17", "cm-15", "extra"],
        ["2017-02-16"],
        ["16 February 2017", "2017-02-17", "cm-15"],
        ["2017-02-16", "2017-02-30", "cm-15"],
        [20170216, "2017-02-17", "cm-15"],
    ],
)
def test_a_timeline_cursor_of_the_wrong_shape_is_refused(client, after):
    _refused(client.get("/api/v1/timeline", params={"cursor": _cursor(after)}), THIS_LIST)


@pytest.mark.parametrize("after", [["x"], ["not-a-number", "event", "cm-15"], [1, 2]])
def test_a_search_cursor_of_the_wrong_shape_is_refused(client, after):
    response = client.get("/api/v1/search", params={"q": "migration", "cursor": _cursor(after)})
    _refused(response, THIS_LIST)


@pytest.mark.parametrize(
    ("path", "after"),
    [
        ("/api/v1/actors?sort=name", [1, 2, "name"]),
        ("/api/v1/actors?sort=name", ["Mexico", True, "name"]),
        ("/api/v1/citations?source=slocum-2017", ["event", "cm-15", "1", "c", "source"]),
        ("/api/v1/citations?source=slocum-2017", ["event", "cm-15", True, "c", "source"]),
    ],
)
def test_a_sorted_cursor_with_values_of_other_types_is_refused(client, path, after):
    """Each value of a sorted list's cursor is of its column's type (PostgreSQL would not
    compare a name with a number)."""
    _refused(client.get(f"{path}&cursor={_cursor(after)}"), THIS_LIST)


def test_an_overlong_cursor_is_refused_naming_it(client):
    response = client.get("/api/v1/timeline", params={"cursor": "A" * 1001})
    assert response.status_code == 422
    assert [e["parameter"] for e in response.json()["errors"]] == ["cursor"]


def test_the_cursor_a_page_gives_leads_to_the_next_item(client):
    everything = [i["id"] for i in client.get("/api/v1/timeline").json()["items"]]
    first = client.get("/api/v1/timeline", params={"limit": 2}).json()
    assert [i["id"] for i in first["items"]] == everything[:2]
    second = client.get("/api/v1/timeline", params={"limit": 2, "cursor": first["next_cursor"]})
    assert [i["id"] for i in second.json()["items"]] == everything[2:4]


def test_a_cursor_round_trips_dates_ints_strings_and_nulls():
    cursor = encode_cursor((date(2017, 2, 16), 3, "cm-15", None))
    assert "=" not in cursor
    padded = cursor + "=" * (-len(cursor) % 4)
    assert json.loads(base64.urlsafe_b64decode(padded)) == ["2017-02-16", 3, "cm-15", None]


@pytest.mark.parametrize(
    ("path", "total"),
    [
        ("/api/v1/timeline?limit=2&sort=-date&count=true", 5),
        ("/api/v1/actors?limit=2&count=true", 3),
    ],
)
def test_a_page_links_to_the_next_with_every_parameter_kept(client, path, total):
    """``next_url`` and the ``Link`` header are this request's URL, every parameter as
    given, with the next cursor; ``count=true`` adds the total; the last page has neither."""
    url = f"http://testserver{path}"
    seen = 0
    while url:
        response = client.get(url)
        body = response.json()
        assert body["total"] == total
        seen += len(body["items"])
        if seen < total:
            expected = f"http://testserver{path}&cursor={body['next_cursor']}"
            assert body["next_url"] == expected
            assert response.headers["link"] == f'<{expected}>; rel="next"'
        else:
            assert (body["next_cursor"], body["next_url"]) == (None, None)
            assert "link" not in response.headers
        url = body["next_url"]
    assert seen == total
