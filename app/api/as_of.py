"""The ``as_of=DATE`` parameter of a record's detail (what it shows: ``app.views.as_of``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

AsOfParam = Annotated[
    str | None,
    Query(
        description="The record as it stood on this date (a day, month or year): what held "
        "then, each marked certain or possible",
        examples=["2017-02-16"],
        max_length=20,
    ),
]
