"""The OpenAPI document, made for people reading /docs and for client generators.

FastAPI's document is post-processed once: explicit camelCase operation ids (``OPERATIONS``),
schema names without module paths, tags with the reads first and the writes grouped by
resource, a bearer scheme on every write, every error an operation can answer described as
RFC 9457 problem details, enums for the parameters that take a fixed list of values, and an
example for every parameter and request body (``app.api.openapi_examples``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, get_args

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.api import query_route
from app.api.openapi_examples import BODY_EXAMPLES, parameter_example
from app.cite.citable import CITABLE
from app.graphs.formats import WRITERS as GRAPH_FORMATS
from app.seeding import schemas as s
from app.views.calendar import TIMELINEJS_SCHEMA

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details. `errors` names each bad parameter or field.",
    "type": "object",
    "properties": {
        "type": {"type": "string", "example": "about:blank"},
        "title": {"type": "string", "example": "Invalid parameter"},
        "status": {"type": "integer", "example": 422},
        "detail": {"type": "string", "example": "limit: Input should be less than or equal to 500"},
        "instance": {"type": "string", "example": "/api/v1/timeline"},
        "errors": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
    },
    "required": ["type", "title", "status", "detail"],
    "additionalProperties": True,
}
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
V1 = "/api/v1"

# (method, path) -> operationId. Every operation under /api/v1 is named here (a test checks
# it); others (service endpoints) are named after their function.
OPERATIONS: dict[tuple[str, str], str] = {
    ("get", V1): "getApiRoot",
    ("get", "/health/live"): "getLiveness",
    ("get", "/health/ready"): "getReadiness",
    ("get", f"{V1}/timeline"): "listTimeline",
    ("get", f"{V1}/meetings"): "listMeetings",
    ("get", f"{V1}/meetings/{{event_id}}"): "getMeeting",
    ("get", f"{V1}/events/{{event_id}}"): "getEvent",
    ("get", f"{V1}/processes"): "listProcesses",
    ("get", f"{V1}/processes/{{process_id}}"): "getProcess",
    ("get", f"{V1}/processes/{{process_id}}/timeline"): "listProcessTimeline",
    ("get", f"{V1}/actors"): "listActors",
    ("get", f"{V1}/actors/{{actor_id}}"): "getActor",
    ("get", f"{V1}/actors/{{actor_id}}/timeline"): "listActorTimeline",
    ("get", f"{V1}/positions/{{position_id}}"): "getPosition",
    ("get", f"{V1}/instruments"): "listInstruments",
    ("get", f"{V1}/instruments/{{instrument_id}}"): "getInstrument",
    ("get", f"{V1}/compare"): "compareInstruments",
    ("get", f"{V1}/objectives"): "listObjectives",
    ("get", f"{V1}/objectives/{{number}}"): "getObjective",
    ("get", f"{V1}/pledges"): "listPledges",
    ("get", f"{V1}/pledges/{{pledge_id}}"): "getPledge",
    ("get", f"{V1}/sources"): "listSources",
    ("get", f"{V1}/sources/{{source_id}}"): "getSource",
    ("get", f"{V1}/figures"): "listFigures",
    ("get", f"{V1}/figures/{{figure_id}}"): "getFigure",
    ("get", f"{V1}/disputes"): "listDisputes",
    ("get", f"{V1}/themes"): "listThemes",
    ("get", f"{V1}/search"): "search",
    ("get", f"{V1}/changes"): "listChanges",
    ("get", f"{V1}/participations/{{ident}}"): "getParticipation",
    ("get", f"{V1}/graphs/actor-event"): "getActorEventGraph",
    ("get", f"{V1}/graphs/co-participation"): "getCoParticipationGraph",
    ("get", f"{V1}/graphs/processes"): "getProcessGraph",
    ("get", f"{V1}/snapshot"): "getSnapshot",
    ("get", f"{V1}/cite/{{kind}}/{{ident}}"): "citeRecord",
    ("get", f"{V1}/cite"): "citeQuery",
    ("get", f"{V1}/meta"): "getMeta",
    ("get", f"{V1}/releases"): "listReleases",
    ("get", f"{V1}/releases/{{name}}"): "getRelease",
    ("get", f"{V1}/citations"): "listCitations",
    ("get", f"{V1}/citations/{{ident}}"): "getCitation",
    ("post", f"{V1}/actors"): "createActor",
    ("patch", f"{V1}/actors/{{ident}}"): "updateActor",
    ("delete", f"{V1}/actors/{{ident}}"): "deleteActor",
    ("post", f"{V1}/events"): "createEvent",
    ("patch", f"{V1}/events/{{ident}}"): "updateEvent",
    ("delete", f"{V1}/events/{{ident}}"): "deleteEvent",
    ("post", f"{V1}/meetings"): "createMeeting",
    ("patch", f"{V1}/meetings/{{ident}}"): "updateMeeting",
    ("delete", f"{V1}/meetings/{{ident}}"): "deleteMeeting",
    ("post", f"{V1}/positions"): "createPosition",
    ("patch", f"{V1}/positions/{{ident}}"): "updatePosition",
    ("delete", f"{V1}/positions/{{ident}}"): "deletePosition",
    ("post", f"{V1}/pledges"): "createPledge",
    ("patch", f"{V1}/pledges/{{ident}}"): "updatePledge",
    ("delete", f"{V1}/pledges/{{ident}}"): "deletePledge",
    ("post", f"{V1}/pledges/import"): "importPledges",
    ("post", f"{V1}/participations"): "createParticipation",
    ("patch", f"{V1}/participations/{{ident}}"): "updateParticipation",
    ("delete", f"{V1}/participations/{{ident}}"): "deleteParticipation",
    ("post", f"{V1}/citations"): "createCitation",
    ("patch", f"{V1}/citations/{{ident}}"): "updateCitation",
    ("delete", f"{V1}/citations/{{ident}}"): "deleteCitation",
}

# Schemas FastAPI names after their module because two classes share a name.
SCHEMA_NAMES = {
    "app__seeding__schemas__CitationIn": "CitationIn",
    "app__api__linked_writes__CitationIn": "RecordCitationIn",
}

# Summaries the code's shared write routes cannot word for every path.
SUMMARIES = {
    ("post", f"{V1}/meetings"): "Create a meeting",
    ("patch", f"{V1}/meetings/{{ident}}"): "Change a meeting",
    ("delete", f"{V1}/meetings/{{ident}}"): "Delete a meeting",
}
# A write answers with the record in the form it was written in (seed-file form), plus its
# id where the id is made by the server: documented as a copy of the body's schema.
RECORDS = {
    "ActorIn": "ActorRecord",
    "EventIn": "EventRecord",
    "PositionIn": "PositionRecord",
    "PledgeIn": "PledgeRecord",
    "ParticipationIn": "ParticipationRecord",
    "RecordCitationIn": "CitationRecord",
}
RECORD_OF_PATH = {
    "actors": "ActorRecord",
    "events": "EventRecord",
    "meetings": "EventRecord",
    "positions": "PositionRecord",
    "pledges": "PledgeRecord",
    "participations": "ParticipationRecord",
    "citations": "CitationRecord",
}
# GETs answered with a record's own ETag (the one If-Match needs), never with 304.
RECORD_ETAG = {"getMeeting", "getEvent", "getActor", "getPosition", "getPledge"}
RECORD_ETAG |= {"getParticipation", "getCitation"}

READ_TAGS = {
    "api": "The resources of this API and where they are",
    "timeline": "What happened, when and where: meetings and other dated items",
    "processes": "Forums, dialogues, compact processes and their roles over time",
    "actors": "States, organizations, mechanisms and persons: roles, posts, meetings",
    "instruments": "Compacts, declarations and reports; two side by side",
    "pledges": "The GCM's 23 objectives and the pledges made toward them",
    "sources": "Sources, what cites them, figures, disputes and the theme taxonomy",
    "search": "Full-text search over every record",
    "snapshot": "The state of governance on a given day",
    "graphs": "Networks of actors, meetings and processes (JSON Graph Format, GraphML, GEXF)",
    "cite": "How to cite a record (text, CSL-JSON, BibTeX)",
    "changes": "The audit log of changes made through the API",
    "meta": "What the data rests on: its release, hash and counts",
    "releases": "Published releases of the dataset and what each changed",
    "service": "The service itself",
}
WRITE_RESOURCES: tuple[str, ...] = ("actors", "events", "meetings", "positions", "pledges")
WRITE_RESOURCES += ("participations", "citations")
# Reads documented under another resource's tag than their path's first segment.
READ_TAG_OF = {"meetings": "timeline", "events": "timeline", "participations": "timeline"}
READ_TAG_OF |= {"positions": "actors", "compare": "instruments", "objectives": "pledges"}
READ_TAG_OF |= {"citations": "sources", "figures": "sources", "disputes": "sources"}
READ_TAG_OF |= {"themes": "sources"}

BEARER = "bearerAuth"
WRITES = {"post", "put", "patch", "delete"}
ERRORS = {
    "400": "The body cannot be read (a CSV file not in UTF-8)",
    "304": "Not modified: the ETag in If-None-Match is still current (no body)",
    "401": "No API key, or an unknown or revoked one",
    "403": "The key's scope does not allow this (deletes need scope admin)",
    "404": "No record with this id",
    "409": "Conflicts with the stored data (the id exists, other records refer to this one, "
    "or the Idempotency-Key is in use by a concurrent request)",
    "412": "If-Match does not match: the record changed since it was read",
    "413": "The request body is over the size limit",
    "415": "The request body's media type is not one this API reads",
    "422": "A parameter or the body is not valid (named under `errors`)",
    "428": "If-Match is missing",
    "503": "The database is unavailable or busy; retry after Retry-After seconds",
}

EVENT_KIND_VALUES = sorted(s.EVENT_KINDS)
CHANGE_KINDS = sorted(("actors", "events", "positions", "pledges", "citations", "seeds"))
# (path, parameter) -> its values, where the code takes a plain string.
ENUMS: dict[tuple[str, str], list[str]] = {
    (f"{V1}/timeline", "kind"): EVENT_KIND_VALUES,
    (f"{V1}/meetings", "kind"): EVENT_KIND_VALUES,
    (f"{V1}/actors/{{actor_id}}/timeline", "kind"): EVENT_KIND_VALUES,
    (f"{V1}/processes/{{process_id}}/timeline", "kind"): EVENT_KIND_VALUES,
    (f"{V1}/processes", "kind"): sorted(get_args(s.ProcessKind)),
    (f"{V1}/instruments", "kind"): sorted(get_args(s.InstrumentKind)),
    (f"{V1}/figures", "subject_kind"): sorted(get_args(s.SubjectKind)),
    (f"{V1}/changes", "kind"): CHANGE_KINDS,
    (f"{V1}/citations", "kind"): s.CITED_KINDS,
    (f"{V1}/graphs/actor-event", "kind"): EVENT_KIND_VALUES,
    (f"{V1}/graphs/co-participation", "kind"): EVENT_KIND_VALUES,
    (f"{V1}/graphs/actor-event", "format"): list(GRAPH_FORMATS),
    (f"{V1}/graphs/co-participation", "format"): list(GRAPH_FORMATS),
    (f"{V1}/graphs/processes", "format"): list(GRAPH_FORMATS),
    (f"{V1}/cite/{{kind}}/{{ident}}", "kind"): list(CITABLE),
}


def install_problem_openapi(app: FastAPI) -> None:
    """Serve the post-processed document (made once, on first request)."""

    def openapi() -> dict[str, Any]:
        if not app.openapi_schema:
            written = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            query_route.document(written)
            app.openapi_schema = client_grade(written)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def client_grade(schema: dict[str, Any]) -> dict[str, Any]:
    """FastAPI's document, post-processed as the module docstring says."""
    schema = _renamed(schema)
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    components["securitySchemes"] = {
        BEARER: {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key made with `mgt keys create` (scope write; admin for "
            "deletes). Reads need none.",
        }
    }
    _records(schemas)
    for path, method, operation in _operations(schema):
        _cite_as(path, method, operation, schemas)
        operation["operationId"] = OPERATIONS.get((method, path)) or _camel(
            operation["operationId"].split("_api_")[0].split(f"_{path.strip('/')}")[0]
        )
        summary = SUMMARIES.get((method, path), operation.get("summary", ""))
        operation["summary"] = _grammar(summary)
        _record_response(path, method, operation)
        operation["tags"] = [_tag(method, path)]
        if method in WRITES:
            operation["security"] = [{BEARER: []}]
        _document_errors(path, method, operation)
        _parameters(path, operation)
        _timelinejs(operation, schemas)
        _body_example(path, method, operation)
    schema["tags"] = [{"name": n, "description": d} for n, d in READ_TAGS.items()] + [
        {"name": f"write {r}", "description": f"Create, change and delete {r} (API key)"}
        for r in WRITE_RESOURCES
    ]
    return schema


def _cite_as(path: str, method: str, operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """A record's detail carries ``cite_as`` (added as it is served, ``app.api.cite_as``):
    an optional property of its schema, since the same schema also describes records
    listed or nested, which carry none."""
    kind, _, rest = path.removeprefix(V1).strip("/").partition("/")
    if method != "get" or kind not in CITABLE or not rest.startswith("{") or "/" in rest:
        return
    content = operation["responses"]["200"]["content"]["application/json"]["schema"]
    properties = schemas[content["$ref"].rsplit("/", 1)[1]]["properties"]
    properties["cite_as"] = {
        "$ref": "#/components/schemas/CiteAs",
        "description": "How to cite the record (what /cite/{kind}/{id} answers); in its "
        "own detail answer only",
    }


def _timelinejs(operation: dict[str, Any], schemas: dict[str, Any]) -> None:
    """A list that answers ``format=timelinejs`` sends that document as application/json
    too: its 200 JSON is either the page or the TimelineJS document."""
    formats = [p for p in operation.get("parameters", []) if p["name"] == "format"]
    if not formats or "timelinejs" not in json.dumps(formats[0]["schema"]):
        return
    schemas["TimelineJS"] = TIMELINEJS_SCHEMA
    content = operation["responses"]["200"]["content"]["application/json"]
    content["schema"] = {"anyOf": [content["schema"], {"$ref": "#/components/schemas/TimelineJS"}]}


def _operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            yield path, method, operation


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _grammar(summary: str) -> str:
    """ "Create a event" -> "Create an event"."""
    return re.sub(r"\b([Aa]) (?=[aeiou])", r"\1n ", summary)


def _resource(path: str) -> str:
    rest = path.removeprefix(V1).strip("/")
    return rest.split("/")[0] if rest else "api"


def _tag(method: str, path: str) -> str:
    if not path.startswith(V1):
        return "service"
    resource = _resource(path)
    if method in WRITES:
        return f"write {resource}"
    return READ_TAG_OF.get(resource, resource)


def _renamed(schema: dict[str, Any]) -> dict[str, Any]:
    """Schema names without module paths; generic pages as ``ActorPage``, ``ChangePage``."""
    names = dict(SCHEMA_NAMES)
    for name in schema.get("components", {}).get("schemas", {}):
        page = re.fullmatch(r"(?:Faceted)?Page_(\w+?)(?:Out)?_", name)
        if page:
            names[name] = f"{page.group(1)}Page"
    refs = {
        f"#/components/schemas/{old}": f"#/components/schemas/{new}" for old, new in names.items()
    }

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: refs.get(value, value) if key == "$ref" else walk(value)
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [walk(item) for item in node]
        return node

    renamed: dict[str, Any] = walk(schema)
    components = renamed.get("components", {}).get("schemas", {})
    for old, new in names.items():
        if old in components:
            components[new] = components.pop(old)
            components[new]["title"] = new
    return renamed


def _records(schemas: dict[str, Any]) -> None:
    for body, record in RECORDS.items():
        copied = {k: v for k, v in schemas[body].items() if k != "additionalProperties"}
        copied["title"] = record
        copied["description"] = "The record as stored, in the form it is written in"
        if body in {"ParticipationIn", "RecordCitationIn"}:
            copied["properties"] = {"id": {"type": "string"}, **copied["properties"]}
        schemas[record] = copied


def _record_response(path: str, method: str, operation: dict[str, Any]) -> None:
    """Writes and the write-form reads document the record they answer with."""
    record = RECORD_OF_PATH.get(_resource(path))
    if record is None or path.endswith("/import"):
        return
    status = {"post": "201", "patch": "200", "get": "200"}.get(method)
    one = "{" in path  # a list of citations is not the write form's record
    if status is None or (method == "get" and (_resource(path) not in RECORDS_READ or not one)):
        return
    response = operation.setdefault("responses", {}).setdefault(status, {})
    response["content"] = {
        "application/json": {"schema": {"$ref": f"#/components/schemas/{record}"}}
    }


RECORDS_READ = {"participations", "citations"}


def _errors(path: str, method: str, operation: dict[str, Any]) -> list[str]:
    """The error statuses this operation can answer."""
    if not path.startswith(V1):
        return ["503"]
    codes = ["422", "503"]
    if "{" in path:
        codes.append("404")
    if method == "get" and operation["operationId"] not in RECORD_ETAG:
        codes.append("304")
    if "text/csv" in operation.get("requestBody", {}).get("content", {}):
        codes.append("400")
    if method in WRITES:
        codes += ["401", "403", "409"]
    if "requestBody" in operation:
        codes += ["413", "415"]
    if method in {"patch", "delete"}:
        codes.append("412")
    if method == "patch":
        codes.append("428")
    return sorted(codes)


def _document_errors(path: str, method: str, operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    for code in _errors(path, method, operation):
        described = responses.setdefault(code, {})
        described.setdefault("description", ERRORS[code])
        if code != "304":
            described["content"] = PROBLEM
    for code, response in responses.items():
        if code[0] in "45":
            response["content"] = PROBLEM
    responses["default"] = {
        "description": "An error, as RFC 9457 problem details",
        "content": PROBLEM,
    }


def _parameters(path: str, operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        name, target = parameter["name"], _value_schema(parameter["schema"])
        if "enum" in parameter["schema"] and target is not parameter["schema"]:
            target["enum"] = parameter["schema"].pop("enum")  # on the value, not beside null
        values = ENUMS.get((path, name))
        if values is not None:
            target.pop("maxLength", None)
            target["enum"] = values
        if not (parameter.get("example") is not None or parameter["schema"].get("examples")):
            example = parameter_example(path, name, target)
            if example is not None:
                array = parameter["schema"].get("type") == "array"
                parameter["example"] = [example] if array else example


def _value_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema of one value: an array's items, an optional value's non-null branch."""
    if schema.get("type") == "array":
        return _value_schema(schema["items"])
    for branch in schema.get("anyOf", []):
        if branch.get("type") != "null":
            return _value_schema(branch)
    return schema


def _body_example(path: str, method: str, operation: dict[str, Any]) -> None:
    example = BODY_EXAMPLES.get((method, path))
    content = operation.get("requestBody", {}).get("content", {})
    if "text/csv" in content:  # a file: generators then send bytes as they are
        described = content["text/csv"]["schema"]
        content["text/csv"]["schema"] = {"type": "string", "format": "binary"} | {
            k: v for k, v in described.items() if k in {"description", "examples"}
        }
    for media in content.values():
        if example is not None:
            media["example"] = example
        elif media.get("schema", {}).get("examples"):
            media["example"] = media["schema"]["examples"][0]
