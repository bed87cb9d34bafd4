"""HTTP conventions a client expects: compression, conditional requests, HEAD, CORS
preflight, next-page links, the API root, and an OpenAPI document a generator can use.
Each claim of the README's conventions table is checked here (on both engines)."""

from __future__ import annotations

import csv
import gzip
import io

import brotli
import pytest
from starlette.types import Message, Receive, Scope, Send

from app.api.openapi import OPERATIONS, RECORD_ETAG
from app.core import compression
from app.core.response_cache import ResponseCache

GZIP = {"Accept-Encoding": "gzip"}
BROTLI = {"Accept-Encoding": "br"}
PLAIN = {"Accept-Encoding": "identity"}
PAGE = "/api/v1/timeline?limit=50"


def test_large_responses_are_gzipped_with_vary(client):
    plain = client.get(PAGE, headers=PLAIN)
    packed = client.get(PAGE, headers=GZIP)
    assert plain.headers.get("content-encoding") is None
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.content == plain.content  # the client decoded it
    assert int(packed.headers["content-length"]) < len(plain.content) / 3
    for response in (plain, packed):
        vary = {v.strip() for v in response.headers["vary"].split(",")}
        assert {"Accept", "Accept-Encoding"} <= vary
    detail = client.get("/api/v1/processes/coordination-meetings", headers=PLAIN)
    assert "Accept-Encoding" in detail.headers["vary"]
    assert "Accept" not in {v.strip() for v in detail.headers["vary"].split(",")}


def test_small_responses_are_sent_as_they_are(client):
    small = client.get("/api/v1/timeline?limit=1&start=2100", headers=GZIP)
    assert small.status_code == 200
    assert len(small.content) < compression.MIN_SIZE
    assert small.headers.get("content-encoding") is None


def test_streamed_files_are_gzipped(client):
    plain = client.get("/api/v1/timeline?format=csv", headers=PLAIN)
    packed = client.get("/api/v1/timeline?format=csv", headers=GZIP)
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.text == plain.text
    assert plain.text.startswith("id,")


def test_etags_and_304_work_with_compression(client):
    plain = client.get(PAGE, headers=PLAIN)
    packed = client.get(PAGE, headers=GZIP)
    assert packed.headers["etag"] == plain.headers["etag"][:-1] + '-gzip"'
    for etag in (plain.headers["etag"], packed.headers["etag"]):
        for encoding in (PLAIN, GZIP):
            again = client.get(PAGE, headers={**encoding, "If-None-Match": etag})
            assert again.status_code == 304
            assert again.content == b""
            assert "content-encoding" not in again.headers
    stale = client.get(PAGE, headers={**GZIP, "If-None-Match": '"stale-gzip"'})
    assert stale.status_code == 200


def test_accept_encoding_is_read_with_its_qualities():
    chosen = compression.coding_for
    assert chosen(b"gzip, deflate, br") == b"br"  # alike: brotli first
    assert chosen(b"*") == b"br"
    assert chosen(b"br;q=1.0, gzip;q=0.5") == b"br"
    assert chosen(b"br;q=0.5, gzip") == b"gzip"
    assert chosen(b"gzip, deflate") == b"gzip"
    assert chosen(b"x-gzip") == b"gzip"
    assert chosen(b"BR") == b"br"
    assert chosen(b"*;q=0.2, gzip;q=0.1") == b"br"
    assert chosen(b"*, br;q=0") == b"gzip"
    assert chosen(b"gzip;q=0") is None
    assert chosen(b"identity") is None
    assert chosen(b"*, gzip;q=0, br;q=0") is None
    assert chosen(b"br;q=nonsense") is None
    assert chosen(None) is None


def test_brotli_where_the_client_prefers_it(client):
    plain = client.get(PAGE, headers=PLAIN)
    packed = client.get(PAGE, headers=BROTLI)
    assert packed.headers["content-encoding"] == "br"
    assert packed.content == plain.content  # the client decoded it
    gzipped = client.get(PAGE, headers=GZIP)
    assert int(packed.headers["content-length"]) < int(gzipped.headers["content-length"])
    vary = {v.strip() for v in packed.headers["vary"].split(",")}
    assert {"Accept", "Accept-Encoding"} <= vary
    ranked = client.get(PAGE, headers={"Accept-Encoding": "br;q=0.4, gzip;q=0.8"})
    assert ranked.headers["content-encoding"] == "gzip"


def test_streamed_files_are_sent_in_brotli(client):
    plain = client.get("/api/v1/timeline?format=csv", headers=PLAIN)
    packed = client.get("/api/v1/timeline?format=csv", headers=BROTLI)
    assert packed.headers["content-encoding"] == "br"
    assert "content-length" not in packed.headers
    assert packed.content == plain.content  # the client decoded it
    assert "Accept-Encoding" in packed.headers["vary"]


def test_etags_and_304_work_with_brotli(client):
    plain = client.get(PAGE, headers=PLAIN)
    packed = client.get(PAGE, headers=BROTLI)
    gzipped = client.get(PAGE, headers=GZIP)
    assert packed.headers["etag"] == plain.headers["etag"][:-1] + '-br"'
    for etag in (plain.headers["etag"], packed.headers["etag"], gzipped.headers["etag"]):
        for encoding in (PLAIN, GZIP, BROTLI):
            again = client.get(PAGE, headers={**encoding, "If-None-Match": etag})
            assert again.status_code == 304
            assert "content-encoding" not in again.headers
    stale = client.get(PAGE, headers={**BROTLI, "If-None-Match": '"stale-br"'})
    assert stale.status_code == 200


@pytest.mark.anyio
async def test_the_cache_compresses_a_body_once(monkeypatch):
    body = b'{"items":[' + b",".join(b'{"id":"%d"}' % i for i in range(500)) + b"]}"
    calls = []

    def counting(data: bytes, coding: bytes) -> bytes:
        calls.append((len(data), coding))
        return gzip.compress(data, mtime=0) if coding == b"gzip" else brotli.compress(data)

    monkeypatch.setattr(compression, "compress", counting)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    async def version() -> int:
        return 1

    cache = ResponseCache(app, version=version, max_bytes=1 << 20)
    bodies = []
    unpack = {b"gzip": gzip.decompress, b"br": brotli.decompress}
    for coding in (b"gzip", b"br") * 3:
        sent: list[Message] = []
        scope = {"type": "http", "method": "GET", "path": "/api/v1/x", "query_string": b""}
        scope["headers"] = [(b"accept-encoding", coding)]

        async def send(message: Message, sent: list[Message] = sent) -> None:
            sent.append(message)

        await cache(scope, None, send)  # type: ignore[arg-type]
        bodies.append(unpack[coding](sent[1]["body"]))
    assert bodies == [body] * 6
    assert calls == [(len(body), b"gzip"), (len(body), b"br")]
    packed = len(gzip.compress(body, mtime=0)) + len(brotli.compress(body))
    assert cache.size == len(body) + packed


@pytest.fixture
def anyio_backend():
    return "asyncio"


@pytest.mark.parametrize(
    "path",
    [
        PAGE,
        "/api/v1/actors?limit=2",
        "/api/v1/processes/coordination-meetings",
        "/api/v1",
        "/health",
    ],
)
def test_head_is_answered_as_get_without_a_body(client, path):
    get = client.get(path, headers=GZIP)
    head = client.head(path, headers=GZIP)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    for name in ("content-type", "content-length", "etag", "vary", "link"):
        assert head.headers.get(name) == get.headers.get(name)


def test_cors_preflight_is_answered(client):
    asked = {
        "Origin": "https://notebook.example.org",
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "If-None-Match",
    }
    preflight = client.options("/api/v1/timeline", headers=asked)
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "If-None-Match" in preflight.headers["access-control-allow-headers"]
    simple = client.get(PAGE, headers={"Origin": "https://notebook.example.org"})
    exposed = simple.headers["access-control-expose-headers"]
    assert {"ETag", "Link"} <= {h.strip() for h in exposed.split(",")}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/timeline?limit=3",
        "/api/v1/timeline?limit=3&facet=kind",
        "/api/v1/actors?limit=1",
        "/api/v1/sources?limit=1",
        "/api/v1/search?q=migration&limit=3",
        "/api/v1/processes/coordination-meetings/timeline?limit=1",
    ],
)
def test_next_url_and_link_walk_every_page(client, path):
    walked, url, pages = [], f"http://testserver{path}", 0
    while url:
        response = client.get(url)
        page = response.json()
        walked += [item.get("id") or item.get("record_id") for item in page["items"]]
        url = page["next_url"]
        if url:
            assert response.headers["link"] == f'<{url}>; rel="next"'
            assert f"cursor={page['next_cursor']}" in url
        else:
            assert "link" not in response.headers
            assert page["next_cursor"] is None
        pages += 1
    assert pages > 1
    everything = client.get(path.replace("limit=3", "limit=500").replace("limit=1", "limit=500"))
    assert walked == [i.get("id") or i.get("record_id") for i in everything.json()["items"]]


def test_the_api_root_lists_every_resource_with_its_url(client):
    root = client.get("/api/v1").json()
    paths = {r["path"]: r for r in root["resources"]}
    documented = {path for (_, path) in OPERATIONS if path.startswith("/api/v1/")}
    assert set(paths) == documented
    assert paths["/api/v1/pledges"]["methods"] == ["GET", "POST"]
    assert paths["/api/v1/actors/{actor_id}"]["url"] == "http://testserver/api/v1/actors/{actor_id}"
    document = client.get("/openapi.json").json()
    for resource in root["resources"]:
        read = document["paths"][resource["path"]].get("get", {})
        required = [p for p in read.get("parameters", []) if p["required"]]
        if read and not required:  # every list and page that needs no id or parameter
            assert client.get(resource["url"]).status_code == 200, resource["url"]
    assert client.get(root["openapi_url"]).status_code == 200


def test_304_is_documented_exactly_where_it_happens(client):
    document = client.get("/openapi.json").json()
    paths = {
        "getMeeting": "/api/v1/meetings/cm-15",
        "getProcess": "/api/v1/processes/coordination-meetings",
        "getFigure": "/api/v1/figures/pledges-2023-01",
        "listTimeline": PAGE,
        "getApiRoot": "/api/v1",
    }
    operations = {
        op["operationId"]: op for item in document["paths"].values() for op in item.values()
    }
    for operation, path in paths.items():
        first = client.get(path)
        again = client.get(path, headers={"If-None-Match": first.headers["etag"]})
        documented = "304" in operations[operation]["responses"]
        assert documented == (again.status_code == 304) == (operation not in RECORD_ETAG)


def test_fixed_lists_are_enums_and_bad_values_stay_problem_422(client):
    document = client.get("/openapi.json").json()
    parameters = {
        p["name"]: p["schema"] for p in document["paths"]["/api/v1/timeline"]["get"]["parameters"]
    }
    assert "summit" in parameters["kind"]["items"]["enum"]
    assert set(parameters["facet"]["items"]["enum"]) == {"kind", "process", "status", "year"}
    assert parameters["format"]["anyOf"][0]["enum"] == [
        "json",
        "csv",
        "ndjson",
        "ics",
        "timelinejs",
    ]
    for bad in ("kind=picnic", "facet=colour", "format=xml"):
        response = client.get(f"/api/v1/timeline?{bad}")
        assert response.status_code == 422
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"][0]["parameter"] == bad.split("=")[0]


def test_writes_carry_the_bearer_scheme_and_their_errors(client):
    document = client.get("/openapi.json").json()
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, item in document["paths"].items():
        for method, operation in item.items():
            codes = set(operation["responses"])
            if method in {"post", "patch", "delete"}:
                assert operation["security"] == [{"bearerAuth": []}]
                assert {"401", "403", "422", "503"} <= codes
                assert operation["tags"][0].startswith("write ")
            else:
                assert "security" not in operation
            if "{" in path:
                assert "404" in codes
            if method == "patch":
                assert {"412", "428", "413", "415"} <= codes
            for code, response in operation["responses"].items():
                if code[0] in "45":
                    assert "application/problem+json" in response["content"]
    tags = [t["name"] for t in document["tags"]]
    first_write = next(i for i, t in enumerate(tags) if t.startswith("write "))
    assert all(t.startswith("write ") for t in tags[first_write:])
    assert "CitationIn" in document["components"]["schemas"]
    assert not [n for n in document["components"]["schemas"] if "__" in n]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/timeline?limit=2",
        "/api/v1/timeline?limit=2&process=coordination-meetings",
        "/api/v1/actors?limit=2&kind=state",
        "/api/v1/pledges?limit=1",
        "/api/v1/sources?limit=1",
        "/api/v1/actors/mexico/timeline?limit=1",
    ],
)
def test_count_true_adds_the_total_of_the_filter(client, path):
    plain = client.get(path).json()
    counted = client.get(f"{path}&count=true").json()
    assert "total" not in plain
    assert counted["items"] == plain["items"]
    everything = client.get(path.replace("limit=2", "limit=500").replace("limit=1", "limit=500"))
    assert counted["total"] == len(everything.json()["items"])


def test_a_list_that_cannot_count_says_so(client):
    response = client.get("/api/v1/search?q=migration&count=true")
    assert response.status_code == 422
    assert response.json()["errors"][0]["parameter"] == "count"


def test_csv_has_names_beside_ids(client):
    rows = list(
        csv.DictReader(io.StringIO(client.get("/api/v1/timeline?format=csv&limit=500").text))
    )
    session = next(row for row in rows if row["id"] == "cm-15.s3")
    assert session["actors"] == "juan-jose-gomez-camacho (moderator)"
    assert session["actors_names"] == "Juan José Gómez Camacho (moderator)"
    header = list(rows[0])
    assert header.index("actors_names") == header.index("actors") + 1
    assert header.index("process_name") == header.index("process") + 1


def test_compare_as_csv_has_a_row_per_attribute_and_theme(dataset_client):
    json_body = dataset_client.get("/api/v1/compare?left=gcm&right=gcr").json()
    response = dataset_client.get("/api/v1/compare?left=gcm&right=gcr&format=csv")
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    attributes = [r for r in rows if r["section"] == "attribute"]
    assert [r["key"] for r in attributes] == [a["attribute"] for a in json_body["attributes"]]
    date = next(r for r in attributes if r["key"] == "date")
    assert (date["left"], date["left_value"]) == ("10 December 2018", "2018-12-10")
    endorsed = next(r for r in attributes if r["key"] == "endorsement")
    assert endorsed["left_value"] == "2018-12-19 A/RES/73/195"
    assert endorsed["right_value"] == "2018-12-17 A/RES/73/151"
    assert "vote 152-5-12" in endorsed["left"]
    assert endorsed["same"] == "false"
    for section in ("shared", "left_only", "right_only"):
        keys = [r["key"] for r in rows if r["section"] == section]
        assert keys == [t["theme"]["id"] for t in json_body[f"{section}_themes"]]
    shared = next(r for r in rows if r["section"] == "shared")
    assert shared["left_value"].split("; ") == [
        p["id"] for p in json_body["shared_themes"][0]["left"]
    ]


def _walk(client, path):
    ids, url = [], f"http://testserver{path}"
    while url:
        page = client.get(url).json()
        ids += [item["id"] for item in page["items"]]
        url = page["next_url"]
    return ids


@pytest.mark.parametrize(
    "filters",
    [
        "",
        "&process=coordination-meetings",
        "&actor=juan-jose-gomez-camacho",
        "&actor=iom&actor=juan-jose-gomez-camacho",
        "&q=migration",
    ],
)
def test_timeline_sorts_both_ways_and_pages_correctly(client, filters):
    earliest = _walk(client, f"/api/v1/timeline?limit=2{filters}")
    latest = _walk(client, f"/api/v1/timeline?limit=2&sort=-date{filters}")
    assert earliest
    assert latest == earliest[::-1]
    everything = client.get(f"/api/v1/timeline?limit=500&sort=-date{filters}").json()
    assert [item["id"] for item in everything["items"]] == latest


def test_actors_sort_by_name(client):
    walked = _walk(client, "/api/v1/actors?limit=2&sort=name")
    items = client.get("/api/v1/actors?limit=500").json()["items"]
    assert walked == [a["id"] for a in sorted(items, key=lambda a: (a["name"], a["id"]))]


def test_a_cursor_is_read_only_in_its_own_order(client):
    ascending = client.get("/api/v1/timeline?limit=1").json()["next_cursor"]
    response = client.get(f"/api/v1/timeline?sort=-date&cursor={ascending}")
    assert response.status_code == 422
    assert response.json()["errors"][0]["parameter"] == "cursor"
    by_name = client.get("/api/v1/actors?limit=1&sort=name").json()["next_cursor"]
    unsorted = client.get(f"/api/v1/actors?cursor={by_name}")
    assert unsorted.status_code == 422
    assert unsorted.json()["errors"][0]["parameter"] == "cursor"
    assert client.get(f"/api/v1/actors?sort=name&cursor={by_name}").status_code == 200
    bad = client.get("/api/v1/timeline?sort=newest")
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"


def test_xml_and_json_suffixed_types_are_compressed(dataset_client):
    assert compression.compressible([(b"content-type", b"application/graphml+xml")])
    assert compression.compressible([(b"content-type", b"application/problem+json")])
    assert compression.compressible([(b"content-type", b"text/csv; charset=utf-8")])
    assert not compression.compressible([(b"content-type", b"image/png")])
    encoded = [(b"content-type", b"application/json"), (b"content-encoding", b"gzip")]
    assert not compression.compressible(encoded)
    plain = dataset_client.get("/api/v1/graphs/processes?format=graphml", headers=PLAIN)
    packed = dataset_client.get("/api/v1/graphs/processes?format=graphml", headers=GZIP)
    assert plain.status_code == 200
    assert len(plain.content) > compression.MIN_SIZE
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.content == plain.content
