"""Bulk import of pledges from CSV: all rows or none."""

from typing import Annotated

from fastapi import APIRouter, Body, Request

from app.api.writes import WRITE_RESPONSES, WriteKey
from app.core.config import get_settings
from app.core.errors import DomainError
from app.records.pledge_import import import_pledges
from app.views.schemas import Out

router = APIRouter(tags=["writes"])

EXAMPLE = (
    "pledger,type,objectives,date,description,status,source\n"
    "Mexico,Policy,7;12,2022-05,Alternatives to detention for children,planned,"
    "https://example.org/pledges/1\n"
)


class ImportOut(Out):
    created: list[str]
    sources_created: list[str]


@router.post(
    "/pledges/import",
    status_code=201,
    response_model=ImportOut,
    responses=WRITE_RESPONSES,
    summary="Import pledges from CSV",
)
def import_pledges_csv(
    request: Request,
    key: WriteKey,
    body: Annotated[
        bytes,
        Body(
            media_type="text/csv",
            examples=[EXAMPLE],
            description="A pledging-dashboard export (UTF-8 CSV)",
        ),
    ],
) -> ImportOut:
    """Columns: pledger (actor ids, names or aliases, `;`-separated), type, objectives
    (GCM objective numbers), date, description, status (planned, in progress, fulfilled),
    source (a source id or the pledge page's URL); optionally id and title. One bad row
    rejects the whole file; the error lists every bad row by number, field and reason.
    Rows are written in short batches, so other writes go on during a long import; if a
    batch fails, the rows written before are deleted again."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DomainError(
            f"the CSV is not UTF-8 (byte {error.start}); re-save it as UTF-8"
        ) from error
    db = request.app.state.db
    result = import_pledges(db.writer, db.read_sessions, text, key.name, get_settings().sources_dir)
    return ImportOut(created=result.created, sources_created=result.sources_created)
