"""Response pieces every feature shares: references, dates, citations, disputes, pages."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
)

from app.core.dates import FuzzyDate, Precision
from app.seeding.schemas import ORIGINS, SourceOrigin

T = TypeVar("T")


def utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite keeps no time zone; every time stored is UTC."""
    return value.replace(tzinfo=dt.UTC) if value and not value.tzinfo else value


Utc = Annotated[dt.datetime, AfterValidator(utc)]


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Ref(Out):
    """A pointer to another record: its id and a readable name."""

    id: str = Field(examples=["gcm"])
    name: str = Field(examples=["Global Compact for Safe, Orderly and Regular Migration"])


class DateOut(Out):
    """A possibly partial or vague date, never more precise than its source."""

    start: dt.date | None = Field(
        description="First day the date may denote (ISO 8601)", examples=["2017-02-16"]
    )
    end: dt.date | None = Field(
        description="Last day the date may denote (ISO 8601)", examples=["2017-02-17"]
    )
    precision: Precision = Field(examples=["day"])
    edtf: str = Field(description="EDTF (ISO 8601-2) form", examples=["2017-02-16/2017-02-17"])
    display: str = Field(examples=["16–17 February 2017"])
    approximate: bool = False
    uncertain: bool = False
    qualifier: str | None = Field(None, description="early, mid or late", examples=[None])

    @classmethod
    def of(cls, fuzzy: FuzzyDate | None) -> DateOut | None:
        if fuzzy is None:
            return None
        return cls(
            start=fuzzy.lower,
            end=fuzzy.upper,
            precision=fuzzy.precision,
            edtf=fuzzy.edtf,
            display=fuzzy.display,
            approximate=fuzzy.approximate,
            uncertain=fuzzy.uncertain,
            qualifier=fuzzy.qualifier,
        )


class SourceRef(Out):
    id: str = Field(examples=["desa-cm15-2017"])
    title: str
    symbol: str | None = Field(None, examples=["ESA/P/WP/249"])
    url: str | None = None
    origin: SourceOrigin = Field(description=ORIGINS, examples=["document"])


class CitationOut(Out):
    """Evidence for a fact: a source and where in it (a verbatim quote, a page or paragraph)."""

    source: SourceRef
    quote: str | None = Field(None, description="Verbatim, at most 200 characters")
    locator: str | None = Field(None, examples=["para 16"])
    note: str | None = None
    outside_source: bool = Field(
        description="Whether the source is a web page outside the source documents and the "
        "reference facts (its origin is web_page)"
    )


class ClaimOut(Out):
    claim: str
    followed: bool = Field(description="Whether the dataset follows this claim")
    citations: list[CitationOut]


class DisputeOut(Out):
    """Sources that disagree about a fact: every claim kept, the one followed marked."""

    id: str
    field: str
    question: str
    resolution: str = Field(description="Which claim the dataset follows, and why")
    claims: list[ClaimOut]


class FigureOut(Out):
    """A number stated by a source, with its unit and as-of date."""

    id: str
    statement: str = Field(examples=["233 pledges had been received by January 2023"])
    value: float = Field(examples=[233])
    unit: str = Field(examples=["pledges"])
    date: DateOut | None
    subject: dict[str, str] | None = Field(
        None, examples=[{"kind": "process", "id": "pledging-initiative"}]
    )
    citations: list[CitationOut]


class Cited(Out):
    """A fact with its evidence."""

    citations: list[CitationOut]


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null on the last page"
    )
    next_url: str | None = Field(
        None,
        description="The next page's URL (this request's, with the cursor); null on the "
        'last page. Also sent as the header Link: <...>; rel="next"',
    )
    total: int | None = Field(
        None,
        description="Present only with count=true: how many items the filter selects",
        exclude_if=lambda value: value is None,
    )


class FacetValue(BaseModel):
    """How many items of the current filter have this value."""

    value: str | int | None = Field(examples=["summit"])
    label: str = Field(examples=["summit"])
    count: int = Field(examples=[12])


class FacetedPage(Page[T], Generic[T]):
    """A page, with counts by field for the whole filter when ``facet=`` asks for them."""

    facets: dict[str, list[FacetValue]] | None = Field(
        None,
        description="Present only when facet= is given: for each facet, the values found "
        "under the current filter (all pages) and how many items have each",
        exclude_if=lambda value: value is None,
    )


def to_json(model: BaseModel) -> bytes:
    """A response model's JSON, as FastAPI would send it (field aliases, no re-validation)."""
    return model.__pydantic_serializer__.to_json(model, by_alias=True)
