"""Networks for graph tools: who took part in what, who met whom, how processes descend."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session

from app.api.deps import reads
from app.api.exports import format_param
from app.api.query_route import QueryRoute
from app.api.timeline_filter import TimelineFilterDep, filtered_events
from app.graphs import build
from app.graphs.formats import BY_MEDIA, MEDIA, WRITERS

router = APIRouter(tags=["graphs"], route_class=QueryRoute)
FORMATS = tuple(WRITERS)


FormatDep = Annotated[
    str,
    format_param(
        base=FORMATS,
        by_media=BY_MEDIA,
        description="json (JSON Graph Format), graphml or gexf; or say it in Accept "
        "(application/graphml+xml, application/gexf+xml, application/vnd.jgf+json)",
        examples=["graphml"],
    ),
]
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The graph in the format asked for",
        "content": {
            MEDIA["json"]: {
                "schema": {
                    "type": "object",
                    "description": "JSON Graph Format, version 2: "
                    '`{"graph": {"directed", "nodes": {id: {"label", "metadata"}}, '
                    '"edges": [{"source", "target", "relation", "metadata"}]}}`',
                    "required": ["graph"],
                    "properties": {"graph": {"type": "object"}},
                }
            },
            MEDIA["graphml"]: {"schema": {"type": "string"}},
            MEDIA["gexf"]: {"schema": {"type": "string"}},
        },
    }
}
SIZE_NOTE = (
    f" A graph of more than {build.MAX_EDGES:,} edges is refused (422) with a request to "
    "narrow it by dates, process, kind, theme or actor."
)


def _answer(graph: build.Graph, fmt: str) -> StreamingResponse:
    extension = {"json": "json", "graphml": "graphml", "gexf": "gexf"}[fmt]
    return StreamingResponse(
        WRITERS[fmt](graph),
        media_type=MEDIA[fmt] + "; charset=utf-8",
        headers={
            "Content-Disposition": f'inline; filename="{graph.name}.{extension}"',
            "Vary": "Accept",
        },
    )


@router.get(
    "/graphs/actor-event",
    responses=RESPONSES,
    response_class=StreamingResponse,
    summary="Actor–event network",
    description="Bipartite: actors (`bipartite` 0) and the events they took part in "
    "(`bipartite` 1), selected by the timeline's filters. One edge per participation, with "
    "its role, the event's date, the actor it acted for and its citation ids." + SIZE_NOTE,
)
@reads
def actor_event_graph(session: Session, f: TimelineFilterDep, fmt: FormatDep) -> StreamingResponse:
    return _answer(build.actor_events(session, filtered_events(f)), fmt)


@router.get(
    "/graphs/co-participation",
    responses=RESPONSES,
    response_class=StreamingResponse,
    summary="Actor co-participation network",
    description="Actors joined by the events (selected by the timeline's filters) they both "
    "took part in; `weight` is the number of such events, `start` and `end` the first "
    "and last day they span." + SIZE_NOTE,
)
@reads
def co_participation_graph(
    session: Session, f: TimelineFilterDep, fmt: FormatDep
) -> StreamingResponse:
    return _answer(build.co_participation(session, filtered_events(f)), fmt)


@router.get(
    "/graphs/processes",
    responses=RESPONSES,
    response_class=StreamingResponse,
    summary="Lineage of processes",
)
@reads
def process_graph(session: Session, fmt: FormatDep) -> StreamingResponse:
    """Every process, and the links between them (led to, feeds into, reviews, ...),
    directed from source to target, with their citation ids."""
    return _answer(build.lineage(session), fmt)
