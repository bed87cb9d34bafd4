"""Examples in the OpenAPI document: a value for every parameter, a body for every write.

The bodies are valid records against the seeded data (the generated-client test sends
them), with locators rather than quotes, so they stay true whatever the source documents.
"""

from __future__ import annotations

from typing import Any

from app.core.pagination import encode_cursor

V1 = "/api/v1"
CITE = [{"source": "a-res-73-195", "locator": "para 29"}]

BODY_EXAMPLES: dict[tuple[str, str], Any] = {
    ("post", f"{V1}/actors"): {
        "id": "example-network",
        "name": "Example Migration Network",
        "kind": "cso",
        "cite": CITE,
    },
    ("post", f"{V1}/events"): {
        "id": "example-adoption-2018",
        "title": "Example adoption",
        "kind": "adoption",
        "date": "2018-12",
        "process": "gcm",
        "cite": CITE,
    },
    ("post", f"{V1}/meetings"): {
        "id": "example-consultation-2018",
        "title": "Example consultation",
        "kind": "consultation",
        "date": "2018-11",
        "city": "Geneva",
        "participants": [{"actor": "mexico", "role": "co_facilitator", "cite": CITE}],
        "cite": CITE,
    },
    ("post", f"{V1}/positions"): {
        "id": "peter-sutherland.example",
        "person": "peter-sutherland",
        "title": "Example adviser",
        "date": "2017",
        "cite": CITE,
    },
    ("post", f"{V1}/pledges"): {
        "id": "mexico-atd-2022",
        "title": "Alternatives to detention for children",
        "pledgers": ["mexico"],
        "objectives": [13],
        "status": "planned",
        "date": "2022-05",
        "cite": CITE,
    },
    ("post", f"{V1}/participations"): {
        "event": "cm-15",
        "actor": "mexico",
        "role": "attendee",
        "cite": CITE,
    },
    ("post", f"{V1}/citations"): {
        "subject": {"kind": "actor", "id": "mexico"},
        "source": "a-res-73-195",
        "locator": "para 16",
    },
}

PATCHES = {
    "actors/{ident}": {"aliases": ["EMN"]},
    "events/{ident}": {"venue": "Palais des Nations"},
    "meetings/{ident}": {"venue": "Palais des Nations"},
    "positions/{ident}": {"title": "Example senior adviser"},
    "pledges/{ident}": {"status": "in_progress"},
    "participations/{ident}": {"capacity": "Permanent Representative"},
    "citations/{ident}": {"locator": "para 30"},
}
BODY_EXAMPLES |= {("patch", f"{V1}/{path}"): patch for path, patch in PATCHES.items()}

# Parameter name (lower case) -> example, where any path taking it can use the same one.
PARAMETERS: dict[str, Any] = {
    "start": "2016",
    "end": "2018-12",
    "process": "gcm",
    "actor": "mexico",
    "kind": "summit",
    "theme": "return",
    "status": "held",
    "q": "global compact",
    "top_level": True,
    "limit": 50,
    "count": True,
    "facet": "kind",
    "format": "csv",
    "objective": 7,
    "subject": "gcm",
    "subject_kind": "process",
    "record": "mexico-atd-2022",
    "event_id": "cm-15",
    "actor_id": "mexico",
    "process_id": "gfmd",
    "position_id": "louise-arbour.srsg-international-migration",
    "instrument_id": "gcm",
    "pledge_id": "mexico-atd-2022",
    "source_id": "a-res-73-195",
    "source": "a-res-73-195",
    "number": 7,
    "left": "gcm",
    "right": "gcr",
    "if-match": '"3f2a9c1e0b7d4a6f8e215c90"',
    "idempotency-key": "pledge-2024-001",
    "sort": "-date",
}
KIND_BY_PATH = {
    f"{V1}/processes": "rcp",
    f"{V1}/actors": "state",
    f"{V1}/instruments": "compact",
    f"{V1}/search": "event",
    f"{V1}/changes": "pledges",
    f"{V1}/citations": "event",
}
IDENTS = {
    "actors": "example-network",
    "events": "example-adoption-2018",
    "meetings": "example-consultation-2018",
    "positions": "peter-sutherland.example",
    "pledges": "mexico-atd-2022",
    "participations": "cm-15.attendee.mexico",
    "citations": "4f1c2a9e0d3b7c6a5e81",
}
TIMELINE_CURSOR = encode_cursor(("2017-02-16", "2017-02-17", "cm-15"))


def parameter_example(path: str, name: str, schema: dict[str, Any]) -> Any:
    """An example of the parameter ``name`` of ``path``, or None where none is known."""
    if name == "kind" and path in KIND_BY_PATH:
        return KIND_BY_PATH[path]
    if name == "cursor":
        if path.endswith(("/timeline", "/meetings")):
            return TIMELINE_CURSOR
        if path.endswith("/search"):
            return encode_cursor(("-3.5", "event", "cm-15"))
        return encode_cursor((10,) if path.endswith("/changes") else ("gcm",))
    if name == "ident":
        return IDENTS.get(path.removeprefix(V1).split("/")[1])
    enum = schema.get("enum")
    example = PARAMETERS.get(name.lower())
    if enum and example not in enum:
        return enum[0]
    return example
