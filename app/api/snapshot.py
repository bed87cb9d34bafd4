"""The state of migration governance on one day: processes, posts, roles, instruments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from app.api.deps import reads
from app.api.query_route import QueryRoute
from app.asof.coverage import one_date
from app.readmodel import facet_counts
from app.views.snapshot import Snapshot, snapshot_on

router = APIRouter(tags=["snapshot"], route_class=QueryRoute)


@router.get("/snapshot", response_model=Snapshot, summary="The state of governance on a date")
@reads
def snapshot(
    session: Session,
    date: Annotated[
        str,
        Query(
            description="A day, month or year (2017-02-16, 2017-02, 2017)",
            examples=["2017-02-16"],
            max_length=20,
        ),
    ],
) -> Snapshot:
    """Processes active on the date with the roles held in them then and their last and next
    meetings, the posts held, and the instruments adopted by then — each cited, each marked
    `certain` or `possible` where partial dates allow either reading. Records the sources
    give no date for are counted under `undated`, not placed."""
    longest = facet_counts.longest_meeting(session.connection())
    return snapshot_on(session, *one_date("date", date), longest)
