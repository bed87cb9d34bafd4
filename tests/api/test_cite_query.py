"""Citing a list answer (or any answer) by its query: GET /cite?url=."""

from __future__ import annotations

import datetime as dt

import pytest
from pybtex.database import parse_string

CSL = "application/vnd.citationstyles.csl+json"
GCM_YEARS = "/api/v1/timeline?process=gcm&start=2016&end=2018"


def _cite(client, url, **params):
    return client.get("/api/v1/cite", params={"url": url, **params})


def test_a_filtered_list_is_cited_by_its_query_release_and_day(dataset_client):
    response = _cite(dataset_client, GCM_YEARS + "&limit=5&cursor=abc")
    assert response.status_code == 200, response.text
    body = response.json()
    url = "http://testserver" + GCM_YEARS
    assert body["query"] == {
        "url": url,
        "path": "/api/v1/timeline",
        "parameters": [["process", "gcm"], ["start", "2016"], ["end", "2018"]],
        "title": "Dated items in order (process=gcm, start=2016, end=2018)",
    }
    release = dataset_client.get("/api/v1/meta").json()["basis"]
    assert body["release"] == f"seed files sha256:{release['content_hash'][:12]}"
    today = dt.datetime.now(dt.UTC).date()
    assert body["csl"]["accessed"] == {"date-parts": [[today.year, today.month, today.day]]}
    assert body["csl"]["type"] == "dataset"
    assert body["csl"]["URL"] == url
    assert body["csl"]["container-title"] == "Migration Governance Timeline"
    assert body["text"].startswith("Migration Governance Timeline (")
    assert f"[query answer, release {body['release']}]" in body["text"]
    accessed = f"{today:%B} {today.day}, {today.year}"
    assert f"Available at: {url} (Accessed: {accessed})." in body["text"]
    (entry,) = parse_string(body["bibtex"], "bibtex").entries.values()
    assert entry.fields["url"] == url
    assert body["release"] in entry.fields["note"]
    assert dataset_client.get(url).json()["items"]  # what is cited answers


def test_a_url_and_its_path_are_cited_alike_on_this_server(dataset_client):
    by_path = _cite(dataset_client, GCM_YEARS).json()
    by_url = _cite(dataset_client, "https://elsewhere.example" + GCM_YEARS).json()
    from_root = _cite(dataset_client, GCM_YEARS.removeprefix("/api/v1")).json()
    assert by_url == by_path == from_root
    other = _cite(dataset_client, "/api/v1/timeline?process=gcm&start=2016&end=2019").json()
    assert other["csl"]["id"] != by_path["csl"]["id"]


@pytest.mark.parametrize(
    ("url", "title"),
    [
        ("/api/v1/snapshot?date=2017-02-16", "The state of governance on a date (date=2017-02-16)"),
        (
            "/api/v1/processes/gfmd?as_of=2017-02-16",
            "One process (process_id=gfmd, as_of=2017-02-16)",
        ),
        ("/api/v1/figures", "List figures"),
        (
            "/api/v1/pledges?actor=mexico,iom&format=csv",
            "List pledges (actor=mexico,iom, format=csv)",
        ),
    ],
)
def test_any_answer_is_cited_by_what_it_is(dataset_client, url, title):
    body = _cite(dataset_client, url).json()
    assert body["query"]["title"] == title
    assert title in body["text"]


def test_a_query_citation_as_csl_json_and_bibtex(dataset_client):
    items = _cite(dataset_client, GCM_YEARS, format="csl-json").json()
    assert [item["URL"] for item in items] == ["http://testserver" + GCM_YEARS]
    by_accept = dataset_client.get(
        "/api/v1/cite", params={"url": GCM_YEARS}, headers={"Accept": CSL}
    )
    assert by_accept.headers["content-type"].startswith(CSL)
    assert by_accept.json() == items
    bib = _cite(dataset_client, GCM_YEARS, format="bibtex")
    assert bib.headers["content-type"].startswith("application/x-bibtex")
    (entry,) = parse_string(bib.text, "bibtex").entries.values()
    assert entry.fields["title"] == "{Dated items in order (process=gcm, start=2016, end=2018)}"


@pytest.mark.parametrize(
    ("url", "wrong", "closest"),
    [
        ("/api/v1/timelin?process=gcm", "/api/v1/timelin", "/api/v1/timeline"),
        ("/health", "/health", None),
        ("/api/v1/timeline?procss=gcm", "procss", "process"),
        ("/api/v1/timeline?process=gcmm", "gcmm", "gcm"),
        ("/api/v1/pledges?actor=iom,mexcio", "mexcio", "mexico"),
        ("/api/v1/actors/mexcio/timeline?start=2018", "mexcio", "mexico"),
        ("http://[/api/v1/timeline", "not a URL", None),
        ("/api/v1/pledges/import", "import", None),
        ("/api/v1/figures/pledges-2023-1", "pledges-2023-1", None),
        ("/api/v1/figures/gcm.objectives-count?as_of=2017", "takes no as_of", None),
    ],
)
def test_a_url_the_api_would_refuse_is_not_cited(dataset_client, url, wrong, closest):
    response = _cite(dataset_client, url)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    (error,) = response.json()["errors"]
    assert error["parameter"] == "url"
    assert wrong in response.json()["detail"]
    if closest is not None:
        assert closest in error["suggestions"][wrong]
