"""Lists as files: CSV and newline-delimited JSON for every list, streamed page by page over
ALL pages of the current filter (in one read transaction, so the file is one snapshot).

The format is ``?format=`` or, failing that, the ``Accept`` header (``text/csv``,
``application/x-ndjson``); JSON pages remain the default. The timeline adds iCalendar and
TimelineJS (``app.views.calendar``).
"""

import csv
import io
from collections.abc import Callable, Iterator, Sequence
from typing import Annotated, Any

from fastapi import Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.core.errors import InvalidParameter
from app.core.pagination import PageParams, page_from
from app.views.tabular import Batches, Writer, neutralise, plan

BATCH = 500
MEDIA = {
    "json": "application/json",
    "csv": "text/csv",
    "ndjson": "application/x-ndjson",
    "ics": "text/calendar",
    "timelinejs": "application/json",
    "jsonld": "application/ld+json",
    "bibtex": "application/x-bibtex",
    "csl-json": "application/vnd.citationstyles.csl+json",
}
BY_MEDIA = {"text/csv": "csv", "application/x-ndjson": "ndjson", "text/calendar": "ics"}
BY_MEDIA |= {"application/ld+json": "jsonld", "application/json": "json"}
BY_MEDIA |= {MEDIA["bibtex"]: "bibtex", MEDIA["csl-json"]: "csl-json"}
Fetch = Callable[[Session, PageParams], tuple[Sequence[BaseModel], str | None]]


def negotiate(accept: str, allowed: Sequence[str], by_media: dict[str, str] = BY_MEDIA) -> str:
    """The format the Accept header prefers among those allowed; JSON if none is named."""
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranked.append((-quality, index, media.lower()))
    for negative_quality, _, media in sorted(ranked):
        found = by_media.get(media)
        if negative_quality < 0 and found is not None and found in allowed:
            return found
    return "json"


def format_param(
    *extra: str,
    base: tuple[str, ...] = ("json", "csv", "ndjson"),
    by_media: dict[str, str] = BY_MEDIA,
    description: str | None = None,
    examples: list[str] | None = None,
) -> Any:
    """A ``format`` query parameter: json, csv, ndjson (``base``) and ``extra`` ones, or the
    format ``by_media`` names for a media type the Accept header prefers."""
    allowed = (*base, *extra)
    description = description or (
        f"Response format: {', '.join(allowed)}; or say it in Accept. "
        "Files (csv, ndjson, ...) hold every page of the filter."
    )

    async def dependency(
        request: Request,
        fmt: Annotated[
            str | None,
            Query(
                alias="format",
                max_length=20,
                json_schema_extra={"enum": list(allowed)},
                description=description,
                examples=examples,
            ),
        ] = None,
    ) -> str:
        if fmt is None:
            return negotiate(request.headers.get("accept", ""), allowed, by_media)
        if fmt not in allowed:
            raise InvalidParameter("format", f"unknown format '{fmt}'; one of {', '.join(allowed)}")
        return fmt

    return Depends(dependency)


def responses(*extra: str) -> dict[int | str, dict[str, Any]]:
    """OpenAPI: the other media types a list answers in."""
    content = {MEDIA["csv"]: {"schema": {"type": "string"}}}
    content[MEDIA["ndjson"]] = {"schema": {"type": "string"}}
    if "ics" in extra:
        content[MEDIA["ics"]] = {"schema": {"type": "string"}}
    return {200: {"content": content, "description": "A page as JSON, or every page as a file"}}


def csv_writer(model: type[BaseModel]) -> Writer:
    columns = plan(model)

    def write(batches: Batches) -> Iterator[str]:
        buffer = io.StringIO()
        out = csv.writer(buffer, lineterminator="\r\n")
        out.writerow([name for name, _ in columns])
        for batch in batches:
            out.writerows([[neutralise(get(item)) for _, get in columns] for item in batch])
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
        yield buffer.getvalue()

    return write


def ndjson(batches: Batches) -> Iterator[str]:
    for batch in batches:
        yield "".join(item.model_dump_json() + "\n" for item in batch)


def all_pages(request: Request, fetch: Fetch, start: PageParams) -> Batches:
    """Every page from ``start`` on, in one read transaction. The first page is read now, so
    a bad filter or cursor is still answered as a problem, not a broken download."""
    session: Session = request.app.state.db.sessions()

    def pages() -> Batches:
        try:
            session.begin()
            if session.get_bind().dialect.name == "postgresql":
                session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            items, cursor = fetch(session, PageParams(BATCH, start.after))
            yield []  # primed: the first page is read before the response starts
            yield items
            while cursor:
                items, cursor = fetch(session, page_from(BATCH, cursor))
                yield items
        finally:
            # Also when the download is abandoned, even before it starts: the suspended
            # generator is closed when it is dropped, and its connection goes back to the pool.
            session.close()

    started = pages()
    next(started)
    return started


def export(
    request: Request,
    fmt: str,
    model: type[BaseModel],
    fetch: Fetch,
    start: PageParams,
    name: str,
    writers: dict[str, tuple[Writer, str]] | None = None,
) -> StreamingResponse:
    """Stream every page of a list as ``fmt`` (csv, ndjson, or one of ``writers``)."""
    found = {"csv": (csv_writer(model), "csv"), "ndjson": (ndjson, "ndjson")} | (writers or {})
    write, extension = found[fmt]
    media = MEDIA[fmt] + ("; charset=utf-8" if fmt in {"csv", "ics"} else "")
    return StreamingResponse(
        write(all_pages(request, fetch, start)),
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}.{extension}"'},
    )


def rows_csv(header: list[str], rows: list[list[str]], name: str) -> Response:
    """A CSV file of ready-made rows (one response, not paged)."""
    buffer = io.StringIO()
    out = csv.writer(buffer, lineterminator="\r\n")
    out.writerow(header)
    out.writerows(rows)
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )
