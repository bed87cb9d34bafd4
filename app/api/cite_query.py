"""How to cite a list answer, or any other answer of the API: ``GET /cite?url=``.

A list is cited as the query that selects it — its URL with the filters, without the paging
(``cursor``, ``limit``): a citation names every page of the answer, as a file of it holds.
The URL is checked, not run: it must name a GET operation of this API, take only the query
parameters that operation takes, and every actor, process, theme or instrument it names, and
the record a detail path shows, must exist. The sources behind the answer are not listed
here: each item carries its own citations. Nothing is read for this but the release and the
ids named, so lists themselves cost nothing more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session

from app.api import known
from app.api.cite import CITABLE, CITATION_FILES, CitationFormat, as_file, release_of, statements
from app.api.deps import on_thread
from app.api.query_route import QueryRoute
from app.cite import csl
from app.core.errors import InvalidParameter
from app.views.cite import CitedQuery, QueryCitation, query_citation, query_item

router = APIRouter(tags=["cite"], route_class=QueryRoute)
API = "/api/v1"
PAGING = frozenset({"cursor", "limit"})  # where in the answer a page starts, not what it holds
CHECKED_IDS = ("actor", "process", "theme", "instrument")  # as ``known.IDS`` names them


@dataclass(frozen=True)
class Operation:
    path: str  # as the OpenAPI document names it, with {parameters}
    summary: str
    takes: frozenset[str]  # its query parameters


def _operation(request: Request, path: str) -> tuple[Operation, dict[str, str]]:
    """The GET operation of this API that answers ``path`` (read from the OpenAPI
    document), and its path parameters; 422 naming the closest paths if there is none."""
    paths: dict[str, Any] = request.app.openapi()["paths"]
    for template, operations in paths.items():
        get = operations.get("get")
        if get is None or not template.startswith(API):
            continue
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        if matched := re.fullmatch(pattern, path):
            parameters = get.get("parameters", [])
            takes = frozenset(p["name"] for p in parameters if p["in"] == "query")
            return Operation(template, get.get("summary", template), takes), matched.groupdict()
    raise known.unknown("url", [path], [p for p in paths if p.startswith(API)])


def _parameters(operation: Operation, query: str) -> list[tuple[str, str]]:
    """The query's parameters less the paging; 422 for one the operation does not take."""
    given = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in PAGING]
    wrong = sorted({name for name, _ in given} - operation.takes)
    if wrong:
        takes = sorted(operation.takes - PAGING)
        error = known.unknown("url", wrong, takes)
        error.detail = f"url: {operation.path} takes no {', '.join(wrong)}; "
        error.detail += f"it takes {', '.join(takes)}" if takes else "it takes no parameters"
        error.extra["errors"][0]["detail"] = error.detail
        raise error
    return given


async def _require_ids(
    request: Request, path_params: dict[str, str], parameters: list[tuple[str, str]]
) -> None:
    """422 unless every actor, process, theme or instrument named (in the query, or as the
    path's ``actor_id``, ...) exists, with the closest ids."""
    named = [*parameters, *((k.removesuffix("_id"), v) for k, v in path_params.items())]
    for name in CHECKED_IDS:
        values = known.split(value for key, value in named if key == name)
        try:
            await known.require(request, name, values)
        except InvalidParameter as error:
            error.extra["errors"][0]["parameter"] = "url"
            raise


def _record(operation: Operation, path_params: dict[str, str]) -> tuple[str, str] | None:
    """The kind and id of the record a detail path shows, where it is one that is cited."""
    kind, _, rest = operation.path.removeprefix(API + "/").partition("/")
    if kind not in CITABLE or not rest.startswith("{") or "/" in rest:
        return None
    return kind, next(iter(path_params.values()))


def _release(session: Session, record: tuple[str, str] | None) -> csl.Release:
    """The release read now; 422 if the record the URL shows does not exist."""
    if record is not None:
        kind, ident = record
        if session.scalar(statements(kind)[0], {"ident": ident}) is None:
            raise InvalidParameter("url", f"url names no record '{ident}' in {kind}")
    return release_of(session.connection())


def _title(
    operation: Operation, path_params: dict[str, str], parameters: list[tuple[str, str]]
) -> str:
    named = [*path_params.items(), *parameters]
    filters = ", ".join(f"{name}={value}" for name, value in named)
    return operation.summary + (f" ({filters})" if filters else "")


@router.get(
    "/cite",
    response_model=QueryCitation,
    summary="How to cite a list or any answer",
    responses=CITATION_FILES,
)
async def cite_query(
    request: Request,
    url: Annotated[
        str,
        Query(
            description="The answer's URL, or its path and query (from /api/v1 or from "
            "the API's root): a list with its filters (paging is left out), a snapshot, a "
            "detail as of a date, ...",
            examples=["/api/v1/timeline?process=gcm&start=2016&end=2018"],
            max_length=2000,
        ),
    ],
    fmt: CitationFormat,
) -> Response:
    """The answer cited as a dataset entry — the dataset, its release, the query's URL and
    the day it was read — in the Cite Them Right Harvard style, as CSL-JSON and as BibTeX
    (`format=csl-json|bibtex` for a file). The URL must name a GET operation of this API
    with parameters it takes, and the actors, processes, themes and instruments it names
    must exist; it is not run. Each item of the answer carries its sources' citations."""
    try:
        asked = urlsplit(url.strip())
    except ValueError as error:  # a host urllib cannot read ("http://[")
        raise InvalidParameter("url", f"url is not a URL: {error}") from error
    path = asked.path.rstrip("/")
    if path != API and not path.startswith(API + "/"):
        path = API + path  # a path under the API's root, as its examples write them
    operation, path_params = _operation(request, unquote(path))
    parameters = _parameters(operation, asked.query)
    await _require_ids(request, path_params, parameters)
    shown = str(request.base_url).rstrip("/") + path
    query = CitedQuery(
        url=shown + (f"?{urlencode(parameters)}" if parameters else ""),
        path=path,
        parameters=parameters,
        title=_title(operation, path_params, parameters),
    )
    record = _record(operation, path_params)
    release = await on_thread(request, lambda session: _release(session, record))
    item = query_item(query, release)
    if fmt != "json":
        return as_file(fmt, [item])
    return Response(query_citation(query, item).model_dump_json(), media_type="application/json")
