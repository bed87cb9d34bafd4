"""The query parameters a route takes, read from its dependency tree once per route."""

from __future__ import annotations


def declared_query(dependant: object) -> frozenset[str]:
    """The names of the query parameters ``dependant`` and its dependencies take: those
    FastAPI reads one by one, and those a dependency reads itself and names in its
    ``query_names`` (``app.api.query_route``)."""
    names = {p.alias for p in getattr(dependant, "query_params", [])}
    names |= getattr(getattr(dependant, "call", None), "query_names", frozenset())
    for sub in getattr(dependant, "dependencies", []):
        names |= declared_query(sub)
    return frozenset(names)
