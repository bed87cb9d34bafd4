"""Query parameters read with one validation per request.

FastAPI reads each declared query parameter on its own, with per-field introspection and one
validation each: about 9 µs a parameter a request, 16 of them on the timeline. The routers'
route class, ``QueryRoute``, serves an endpoint whose query parameters are declared as usual
(``Annotated[T, Query(...)]`` on the endpoint, and on the direct ``Depends`` of the endpoint
whose parameters are only query parameters and the ``Request``, such as ``page_params``) by
reading all of them at once: the request's query items are gathered by name (every value of a
list parameter, the last of any other), validated with one pydantic ``TypedDict`` of the same
types and constraints, and the dependencies are then called with their values, in order.

What a client sees is what FastAPI gives: the same values and defaults (a copy per request);
errors in FastAPI's order and form (a dependency whose parameters are invalid is not called,
and its errors are reported with the path's and then the endpoint's own, after the other
dependencies ran); and the same OpenAPI document, which FastAPI writes from the endpoint as
declared (``document``). An endpoint with any other kind of parameter or dependency is left
to FastAPI whole. Dependency overrides are not consulted for the dependencies read this way.
"""

from __future__ import annotations

import copy
import functools
import inspect
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, NotRequired, Union, get_args, get_origin

from fastapi import BackgroundTasks, Depends, Request, Response, params
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from fastapi.security import SecurityScopes
from pydantic import TypeAdapter, ValidationError
from pydantic.fields import FieldInfo
from starlette.requests import HTTPConnection
from typing_extensions import TypedDict

READ = "query_read_once_"  # the name of the one dependency that reads them
SPECIAL = (HTTPConnection, Response, BackgroundTasks, SecurityScopes)


@dataclass(frozen=True)
class _Field:
    key: str  # unique within the route: the TypedDict's key
    name: str  # the parameter's name in its function
    alias: str  # its name in the query string
    sequence: bool  # every value (a list), or the last one
    default: Any
    required: bool
    shape: Any  # the type and constraints validated

    def default_value(self) -> Any:
        return copy.deepcopy(self.default)


@dataclass(frozen=True)
class _Group:
    """A dependency read at once (``call``), or the endpoint's own parameters (None)."""

    param: str  # the endpoint's parameter its result goes to ("" for the endpoint's own)
    call: Callable[..., Any] | None
    requests: tuple[str, ...]  # its parameters that take the Request
    fields: tuple[_Field, ...]
    adapter: TypeAdapter[Any]


def _metadata(annotation: Any) -> tuple[Any, list[Any]]:
    if get_origin(annotation) is Annotated:
        base, *extra = get_args(annotation)
        return base, extra
    return annotation, []


def _sequence(annotation: Any) -> bool:
    annotation, _ = _metadata(annotation)
    if get_origin(annotation) in (Union, types.UnionType):
        return any(_sequence(arg) for arg in get_args(annotation) if arg is not type(None))
    return get_origin(annotation) in (list, set, frozenset, tuple, Sequence)


def _field(key: str, parameter: inspect.Parameter) -> _Field:
    default = parameter.default if parameter.default is not inspect.Parameter.empty else ...
    info = FieldInfo.from_annotated_attribute(parameter.annotation, default)
    annotation = info.annotation
    return _Field(
        key=key,
        name=parameter.name,
        alias=info.alias or parameter.name,
        sequence=_sequence(annotation),
        default=None if info.is_required() else info.get_default(call_default_factory=True),
        required=info.is_required(),
        shape=Annotated[(annotation, *info.metadata)] if info.metadata else annotation,
    )


def _kind(parameter: inspect.Parameter) -> tuple[str, Any]:
    """("query" | "path" | "depends" | "request" | "other" | "refused", its marker): "other"
    is what FastAPI passes as it is (the response, background tasks, ...)."""
    _, extra = _metadata(parameter.annotation)
    markers = [*extra, parameter.default]
    for marker in markers:
        if isinstance(marker, params.Query):
            return "query", marker
        if isinstance(marker, params.Path):
            return "path", marker
        if isinstance(marker, params.Security):  # scopes: left to FastAPI
            return "refused", marker
        if isinstance(marker, params.Depends):
            return "depends", marker
        if isinstance(marker, FieldInfo):  # header, cookie, body, form, ...
            return "refused", marker
    annotation, _ = _metadata(parameter.annotation)
    if annotation is Request:
        return "request", None
    if isinstance(annotation, type) and issubclass(annotation, SPECIAL):
        return "other", None
    return "refused", None  # a parameter FastAPI reads by its type: left to it


def _adapter(name: str, fields: Sequence[_Field]) -> TypeAdapter[Any]:
    shapes = {f.key: NotRequired[f.shape] for f in fields}
    return TypeAdapter(TypedDict(name, shapes))  # type: ignore[operator]


def _dependency_group(param: str, call: Any, keys: Callable[[], str]) -> _Group | None:
    """The group of a dependency whose parameters are query parameters and the Request."""
    if not inspect.iscoroutinefunction(call):
        return None
    fields, requests = [], []
    for parameter in inspect.signature(call, eval_str=True).parameters.values():
        kind, _ = _kind(parameter)
        if kind == "query":
            fields.append(_field(keys(), parameter))
        elif kind == "request":
            requests.append(parameter.name)
        else:
            return None
    return _Group(param, call, tuple(requests), tuple(fields), _adapter(param, fields))


@dataclass(frozen=True)
class _Plan:
    groups: tuple[_Group, ...]  # the dependencies, in order, then the endpoint's own
    paths: tuple[tuple[str, TypeAdapter[Any]], ...]  # for errors only: FastAPI's order
    by_alias: dict[str, tuple[_Field, ...]]
    adapter: TypeAdapter[Any]
    required: frozenset[str]  # the keys that must be given

    def gather(self, request: Request) -> dict[str, Any]:
        data: dict[str, Any] = {}
        by_alias = self.by_alias
        for name, value in request.query_params.multi_items():
            for f in by_alias.get(name, ()):
                if f.sequence:
                    data.setdefault(f.key, []).append(value)
                else:
                    data[f.key] = value
        return data

    async def read(self, request: Request) -> dict[str, Any]:
        data = self.gather(request)
        try:
            valid = self.adapter.validate_python(data)
        except ValidationError:
            return await self._read_with_errors(request, data)
        if not self.required <= valid.keys():
            return await self._read_with_errors(request, data)
        results: dict[str, Any] = {}
        for group in self.groups:
            values = {
                f.name: valid[f.key] if f.key in valid else f.default_value() for f in group.fields
            }
            await _finish(request, group, values, results)
        return results

    async def _read_with_errors(self, request: Request, data: dict[str, Any]) -> dict[str, Any]:
        """As FastAPI: each dependency with invalid values is left out and its errors kept,
        the others are called; then the path's errors and the endpoint's own."""
        errors: list[Any] = []
        own: list[Any] = []
        results: dict[str, Any] = {}
        for group in self.groups:
            found = _validated(group, data)
            if isinstance(found, list):
                (own if group.call is None else errors).extend(found)
                continue
            await _finish(request, group, found, results)
        for alias, adapter in self.paths:
            try:
                adapter.validate_python(request.path_params.get(alias))
            except ValidationError as error:
                errors.extend(_located("path", alias, error))
        errors.extend(own)
        if errors:
            raise RequestValidationError(errors)
        return results


def _located(where: str, alias: str, error: ValidationError) -> list[dict[str, Any]]:
    return [{**e, "loc": (where, alias, *e["loc"])} for e in error.errors(include_url=False)]


def _validated(group: _Group, data: dict[str, Any]) -> dict[str, Any] | list[Any]:
    """The group's values, or its errors in FastAPI's form and order (by parameter)."""
    mine = {f.key: data[f.key] for f in group.fields if f.key in data}
    place = {f.key: (index, f) for index, f in enumerate(group.fields)}
    errors: list[tuple[int, dict[str, Any]]] = []
    valid: dict[str, Any] = {}
    try:
        valid = group.adapter.validate_python(mine)
    except ValidationError as error:
        for e in error.errors(include_url=False):
            index, f = place[str(e["loc"][0])]
            errors.append((index, {**e, "loc": ("query", f.alias, *e["loc"][1:])}))
    for index, f in enumerate(group.fields):  # a TypedDict's keys are optional
        if f.required and f.key not in mine:
            missing = {"type": "missing", "loc": ("query", f.alias), "msg": "Field required"}
            errors.append((index, missing | {"input": None}))
    if errors:
        return [e for _, e in sorted(errors, key=lambda pair: pair[0])]
    return _values(group, valid)


def _values(group: _Group, valid: dict[str, Any]) -> dict[str, Any]:
    """The group's values by parameter name: those given, validated; defaults for the rest."""
    return {f.name: valid[f.key] if f.key in valid else f.default_value() for f in group.fields}


async def _finish(
    request: Request, group: _Group, values: dict[str, Any], results: dict[str, Any]
) -> None:
    if group.call is None:
        results.update(values)
        return
    values.update(dict.fromkeys(group.requests, request))
    results[group.param] = await group.call(**values)


def read_query_once(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """``endpoint`` with its query parameters and those of its query dependencies read by
    one dependency (see the module's docstring); unchanged if it has none, or has any
    parameter or dependency this does not read as FastAPI would."""
    signature = inspect.signature(endpoint, eval_str=True)
    counter = iter(range(10_000))

    def keys() -> str:
        return f"f{next(counter)}"

    groups: list[_Group] = []
    own: list[_Field] = []
    paths: list[tuple[str, TypeAdapter[Any]]] = []
    kept: list[inspect.Parameter] = []
    first: int | None = None
    for parameter in signature.parameters.values():
        kind, marker = _kind(parameter)
        if kind == "refused" or parameter.name == READ:
            return endpoint
        if kind == "depends":
            group = _dependency_group(parameter.name, marker.dependency, keys)
            if group is None:
                return endpoint
            groups.append(group)
        elif kind == "query":
            own.append(_field(keys(), parameter))
        else:
            if kind == "path":
                path = _field("path", parameter)
                paths.append((path.alias, TypeAdapter(path.shape)))
            kept.append(parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY))
            continue
        first = len(kept) if first is None else first
    if first is None:
        return endpoint
    if own:
        groups.append(_Group("", None, (), tuple(own), _adapter("own", own)))
    fields = [f for group in groups for f in group.fields]
    by_alias: dict[str, tuple[_Field, ...]] = {}
    for f in fields:
        by_alias[f.alias] = (*by_alias.get(f.alias, ()), f)
    required = frozenset(f.key for f in fields if f.required)
    plan = _Plan(tuple(groups), tuple(paths), by_alias, _adapter("query", fields), required)

    async def read(request: Request) -> dict[str, Any]:
        return await plan.read(request)

    read.query_names = frozenset(by_alias)  # type: ignore[attr-defined]  # for reject_unknown_query
    reader = inspect.Parameter(
        READ, inspect.Parameter.KEYWORD_ONLY, annotation=Annotated[dict[str, Any], Depends(read)]
    )
    kept.insert(first, reader)

    if inspect.iscoroutinefunction(endpoint):

        @functools.wraps(endpoint)
        async def wrapper(**kwargs: Any) -> Any:
            values = kwargs.pop(READ)
            return await endpoint(**kwargs, **values)

    else:

        @functools.wraps(endpoint)
        def wrapper(**kwargs: Any) -> Any:  # run on a thread by FastAPI
            values = kwargs.pop(READ)
            return endpoint(**kwargs, **values)

    wrapper.__dict__.pop("__wrapped__", None)  # FastAPI must see the signature below
    wrapper.__signature__ = signature.replace(parameters=kept)  # type: ignore[attr-defined]
    return wrapper


class QueryRoute(APIRoute):
    """A route whose query parameters are read with one validation (``read_query_once``).

    Its OpenAPI operation is FastAPI's for the endpoint as declared: the query parameters
    (and the 422 answer) FastAPI writes for it come in ``openapi_extra``, written once, when
    first asked for; ``document`` then puts ``parameters`` where FastAPI places them."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        self._declared = endpoint
        self._query_extra: dict[str, Any] | None = None
        super().__init__(path, read_query_once(endpoint), **kwargs)

    @property
    def openapi_extra(self) -> dict[str, Any] | None:
        if self.endpoint is self._declared:
            return self._openapi_extra
        if self._query_extra is None:
            self._query_extra = self._written()
        extra = copy.deepcopy(self._openapi_extra or {})
        for key, value in self._query_extra.items():
            extra.setdefault(key, {} if key == "responses" else [])
            if key == "responses":
                extra[key] = {**value, **extra[key]}
            else:
                extra[key] = [*value, *extra[key]]
        return extra

    @openapi_extra.setter
    def openapi_extra(self, value: dict[str, Any] | None) -> None:
        self._openapi_extra = value

    def _written(self) -> dict[str, Any]:
        """The query parameters and the 422 answer FastAPI writes for the declared endpoint."""
        native = APIRoute(self.path, self._declared, methods=self.methods, response_model=None)
        document = get_openapi(title="", version="", routes=[native])
        operation = next(iter(next(iter(document["paths"].values())).values()))
        written: dict[str, Any] = {}
        query = [p for p in operation.get("parameters", []) if p["in"] == "query"]
        if query:
            written["parameters"] = query
        if "422" in operation["responses"]:
            written["responses"] = {"422": operation["responses"]["422"]}
        return written


FASTAPI_ORDER = (
    *("tags", "summary", "description", "externalDocs", "operationId"),
    *("parameters", "requestBody", "responses"),
)


def document(schema: dict[str, Any]) -> None:
    """Each operation's members in the order FastAPI writes them: ``openapi_extra`` adds
    ``parameters`` after ``responses``."""
    for operations in schema.get("paths", {}).values():
        for method, operation in operations.items():
            known = [key for key in FASTAPI_ORDER if key in operation]
            rest = [key for key in operation if key not in FASTAPI_ORDER]
            operations[method] = {key: operation[key] for key in (*known, *rest)}
