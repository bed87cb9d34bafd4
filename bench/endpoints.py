"""Every GET operation of the OpenAPI document as benchmark requests, generated from it.

For each GET path: a detail on a typical and on the largest record (path parameters drawn
from the database by ``SAMPLES``), a list's first page, a deep page (found by walking the
list) and its typical filters (``FILTERS``), facets, and each export format the operation
offers. A path whose parameters ``SAMPLES`` cannot fill is an error, so a new endpoint is
measured without anyone remembering to add it (tests/test_bench_endpoints.py).

Where a table holds the list's or the record's rows, Datasette answers a canned query over
that table's raw rows (the same ids, in the same order; checked after the run).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

API = "/api/v1"
LARGEST_BY = "group by 1 order by count(*) desc, 1 limit 1"

# Path parameters, in the order the path names them: a typical record, and the largest.
SAMPLES: dict[str, tuple[str, str]] = {
    "/meetings/{event_id}": (
        "select 'cm-15'",
        f"select parent_id from events where parent_id is not null {LARGEST_BY}",
    ),
    "/events/{event_id}": (
        "select 'cm-15.s3'",
        f"select event_id from participations {LARGEST_BY}",
    ),
    "/processes/{process_id}": (
        "select 'gfmd'",
        f"select process_id from events where process_id is not null {LARGEST_BY}",
    ),
    "/actors/{actor_id}": ("select 'mexico'", f"select actor_id from actor_events {LARGEST_BY}"),
    "/positions/{position_id}": (
        "select min(id) from positions",
        f"select subject_id from citations where subject_type = 'position' {LARGEST_BY}",
    ),
    "/instruments/{instrument_id}": (
        "select 'gcm'",
        f"select instrument_id from provisions {LARGEST_BY}",
    ),
    "/objectives/{number}": (
        "select 7",
        "select cast(substr(provision_id, 15) as integer) from pledge_objectives " + LARGEST_BY,
    ),
    "/pledges/{pledge_id}": (
        "select min(id) from pledges",
        f"select pledge_id from pledge_actors {LARGEST_BY}",
    ),
    "/sources/{source_id}": (
        "select min(id) from sources",
        f"select source_id from citations {LARGEST_BY}",
    ),
    "/figures/{figure_id}": (
        "select min(id) from figures",
        f"select subject_id from citations where subject_type = 'figure' {LARGEST_BY}",
    ),
    "/participations/{ident}": (
        "select min(id) from participations",
        f"select subject_id from citations where subject_type = 'participation' {LARGEST_BY}",
    ),
    "/citations/{ident}": (
        "select min(id) from citations",
        "select id from citations order by length(coalesce(quote, '')) desc, id limit 1",
    ),
    "/releases/{name}": (
        "select name from releases order by name limit 1",
        "select name from releases order by name desc limit 1",
    ),
    "/cite/{kind}/{ident}": (
        "select 'actors', 'mexico'",
        "select 'processes', process_id from events where process_id is not null "
        "group by process_id order by count(*) desc, process_id limit 1",
    ),
}
SAMPLES |= {
    "/citations": (
        "select min(id) from sources",
        f"select source_id from citations {LARGEST_BY}",
    ),
    "/processes/{process_id}/timeline": SAMPLES["/processes/{process_id}"],
    "/actors/{actor_id}/timeline": SAMPLES["/actors/{actor_id}"],
}

# Lists of one record's items, named by a query parameter no default answers: that list for
# a typical record and for the largest (drawn by ``SAMPLES``, as a detail's are), each with
# its first page, a deep page, these filters and its files.
OF_RECORD: dict[str, tuple[str, list[str]]] = {"/citations": ("source", ["kind=event"])}

# What an operation needs in every request (no default answers it), and typical filters.
BASE = {
    "/search": "q=compact",
    "/snapshot": "date=2018-12-10",
    "/compare": "left=gcm&right=gcr",
    "/cite": "url=/api/v1/timeline%3Fprocess%3Dgcm%26start%3D2016%26end%3D2018",
    # A graph of the whole dataset is a file of every item; these are what one draws.
    "/graphs/actor-event": "actor=iom&start=2018&end=2019",
    "/graphs/co-participation": "process=gcm&start=2018&end=2018",
}
FILTERS: dict[str, list[str]] = {
    "/timeline": ["actor=iom", "actor=mexico", "process=gcm"],  # mexico: acted for
    "/meetings": ["process=gfmd"],
    "/processes/{process_id}/timeline": ["kind=conference"],
    "/actors/{actor_id}/timeline": ["start=2018"],
    "/actors": ["kind=state"],
    "/processes": ["kind=rcp"],
    "/instruments": ["kind=compact"],
    "/pledges": ["objective=7", "actor=mexico"],
    "/figures": ["subject_kind=process"],
    "/changes": ["kind=pledges"],
    "/search": ["q=compact&kind=event"],
    "/graphs/actor-event": ["actor=mexico&start=2018&end=2019"],
}

# Lists and details whose rows are one table's, keyed by id: Datasette's raw-rows query.
TABLES = {
    "/actors": "actors",
    "/processes": "processes",
    "/sources": "sources",
    "/figures": "figures",
    "/instruments": "instruments",
    "/disputes": "disputes",
    "/pledges": None,  # its filters are joins; the same-facts query is bench.py's
    "/actors/{actor_id}": "actors",
    "/processes/{process_id}": "processes",
    "/positions/{position_id}": "positions",
    "/instruments/{instrument_id}": "instruments",
    "/pledges/{pledge_id}": "pledges",
    "/sources/{source_id}": "sources",
    "/figures/{figure_id}": "figures",
    "/participations/{ident}": "participations",
    "/citations/{ident}": "citations",
    "/events/{event_id}": "events",
    "/meetings/{event_id}": "events",
}
COLUMNS = {"kind": "kind", "subject_kind": "subject_type", "unit": "unit"}


@dataclass
class Request:
    name: str  # operation and variant, e.g. "/actors filter kind=state"
    operation: str  # the OpenAPI path, without the /api/v1 prefix
    path: str  # ours, with its query
    deep: bool = False  # the path is a list's first page: walk to a deep page before measuring
    table: str | None = None  # Datasette's raw rows, when a table holds them
    filters: dict[str, str] = field(default_factory=dict)
    record: str | None = None  # a detail's id

    def raw_query(self, after: str | None = None) -> tuple[str, str, dict[str, str]] | None:
        """(name, SQL, params) of Datasette's canned query over the raw rows, if any."""
        if self.table is None:
            return None
        if self.record is not None:
            sql = f"select * from {self.table} where id = :id"
            return _named(sql), sql, {"id": self.record}
        where = [f"{COLUMNS[k]} = :{k}" for k in self.filters]
        params = dict(self.filters)
        if after is not None:
            where.append("id > :after")
            params["after"] = after
        clause = f" where {' and '.join(where)}" if where else ""
        sql = f"select * from {self.table}{clause} order by id limit 51"
        return _named(sql), sql, params


def _named(sql: str) -> str:
    return "raw_" + hashlib.sha1(sql.encode()).hexdigest()[:10]


def get_operations(openapi: dict[str, Any]) -> dict[str, tuple[str, dict[str, Any]]]:
    """The GET operations, by path without the API's prefix: (the full path, operation)."""
    out = {}
    for path, item in openapi["paths"].items():
        if "get" in item:
            out[path.removeprefix(API) or "/"] = (path, item["get"])
    return out


def requests(
    openapi: dict[str, Any], sample: Callable[[str, int], tuple[Any, ...] | None]
) -> Iterator[Request]:
    """The benchmark's requests for every GET operation; ``sample(sql, n)`` is the first row
    of the database's answer, of ``n`` values (None when it has none: no release made yet)."""
    for operation, (full, spec) in get_operations(openapi).items():
        params = {p["name"]: p for p in spec.get("parameters", [])}
        prefix = full.removesuffix(operation) if full != API else ""
        base = BASE.get(operation, "")
        path_names = [p for p, v in params.items() if v["in"] == "path"]
        table = TABLES.get(operation)
        if operation in OF_RECORD:
            yield from _of_record(operation, full, params, sample)
            continue
        if path_names:
            if operation not in SAMPLES:
                raise KeyError(f"{operation}: no SAMPLES entry for its path parameters")
            for variant, sql in zip(("typical", "largest"), SAMPLES[operation], strict=True):
                row = sample(sql, len(path_names))
                if row is None or row[0] is None:
                    continue
                path = operation
                for name, value in zip(path_names, row, strict=True):
                    path = path.replace("{" + name + "}", str(value))
                url = prefix + path + (f"?{base}" if base else "")
                record = str(row[-1]) if table else None
                yield Request(f"{operation} {variant}", operation, url, table=table, record=record)
                if "limit" in params and variant == "typical":
                    yield from _pages(operation, prefix + path, base, None)
                yield from _formats(operation, f"{prefix}{path}", base, params, variant)
            continue
        url = full
        yield Request(
            f"{operation}" + (" first page" if "limit" in params else ""),
            operation,
            url + (f"?{base}" if base else ""),
            table=table if "limit" in params else None,
        )
        if "limit" in params:
            yield from _pages(operation, url, base, table)
        yield from _formats(operation, url, base, params, "")


def _of_record(
    operation: str,
    url: str,
    params: dict[str, Any],
    sample: Callable[[str, int], tuple[Any, ...] | None],
) -> Iterator[Request]:
    """A list of one record's items (``OF_RECORD``), for a typical record and the largest."""
    name, filters = OF_RECORD[operation]
    for variant, sql in zip(("typical", "largest"), SAMPLES[operation], strict=True):
        row = sample(sql, 1)
        if row is None or row[0] is None:
            continue
        base = f"{name}={row[0]}"
        label = f"{operation} {variant}"
        yield Request(f"{label} first page", operation, f"{url}?{base}")
        yield Request(f"{label} deep page", operation, f"{url}?{base}", deep=True)
        for given in filters:
            yield Request(f"{label} {given}", operation, f"{url}?{base}&{given}")
        yield from _formats(operation, url, base, params, variant)


def _pages(operation: str, url: str, base: str, table: str | None) -> Iterator[Request]:
    """A list's deep page and its filtered first pages (a filter stands for the base query)."""
    query = f"?{base}" if base else ""
    yield Request(f"{operation} deep page", operation, url + query, deep=True, table=table)
    for given in FILTERS.get(operation, []):
        pairs = dict(pair.split("=", 1) for pair in given.split("&"))
        raw = table if set(pairs) <= set(COLUMNS) else None
        yield Request(f"{operation} {given}", operation, f"{url}?{given}", table=raw, filters=pairs)


def _formats(
    operation: str, url: str, base: str, params: dict[str, Any], variant: str
) -> Iterator[Request]:
    """Facets and export formats of an operation (on its first filter, when a list has one:
    an export holds every page of the filter)."""
    query = (FILTERS.get(operation) or [base])[0]
    join = "&" if query else ""
    label = f"{operation} {variant}".rstrip()
    if "facet" in params:
        value = _choices(params["facet"])[0]
        yield Request(f"{label} facet={value}", operation, f"{url}?{query}{join}facet={value}")
    if "format" in params:
        for fmt in _choices(params["format"]):
            if fmt != "json":
                yield Request(
                    f"{label} format={fmt}", operation, f"{url}?{query}{join}format={fmt}"
                )


def _choices(param: dict[str, Any]) -> list[str]:
    """The values a parameter's schema lists (an enum, possibly in a list or anyOf)."""
    schema = param["schema"]
    for part in [schema, schema.get("items", {}), *schema.get("anyOf", [])]:
        if "enum" in part:
            return list(part["enum"])
        if "const" in part:
            return [part["const"]]
        if "items" in part and "enum" in part["items"]:
            return list(part["items"]["enum"])
    raise KeyError(f"{param['name']}: no values listed")
