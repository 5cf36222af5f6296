"""Every input has a type and a bound before it reaches the database.

The API reads JSON bodies through :class:`GuardedParser` (JSON only, no NUL, no NaN, integers
within 64 bits) and :func:`bound_inputs` gives every string, integer, number and list a path,
query or body parameter declares a limit it lacks, so nothing a client sends can overflow a column
or an integer on either engine. Fields that map onto a model column declare the column's own
``max_length`` in their schema; the limits here are the ceiling for everything else."""

from __future__ import annotations

import json
import types
import typing
from typing import Annotated, Any

import annotated_types as at
from django.http import HttpRequest
from ninja import NinjaAPI
from ninja.parser import Parser
from pydantic import BaseModel

from .errors import ApiError

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_STRING = 200
"""Characters in a code, a name or a filter when the schema says nothing narrower."""
MAX_TEXT = 4000
"""Characters in free text: a description, a note, a reason."""
MAX_ITEMS = 100
"""Items in a list parameter or body field when the schema says nothing narrower."""

JSON_TYPES = ("application/json",)


def _path(parts: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in parts) or "body"


def _reject(status: int, field: str, message: str) -> ApiError:
    return ApiError(status, f"{field}: {message}", errors=[{"field": field, "message": message}])


def check_value(value: Any, parts: tuple[Any, ...] = ()) -> None:
    """Refuse a NUL character in any string (PostgreSQL cannot store one) and any integer beyond
    64 bits, naming where in the body it is."""
    if isinstance(value, str):
        if "\x00" in value:
            raise _reject(422, _path(parts), "contains a NUL character (\\u0000); remove it")
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if not INT64_MIN <= value <= INT64_MAX:
            raise _reject(422, _path(parts), "this number is out of range")
    elif isinstance(value, dict):
        for key, item in value.items():
            check_value(key, (*parts, key))
            check_value(item, (*parts, key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            check_value(item, (*parts, n))


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


class GuardedParser(Parser):
    """JSON bodies only (415 otherwise), parsed strictly and checked by :func:`check_value`.

    ninja wraps whatever this raises in a 400 "Cannot parse request body"; the API's handler for
    that 400 answers with the :class:`ApiError` it was raised from (``errors.install_handlers``)."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        content_type = request.content_type or ""
        if content_type not in JSON_TYPES and not content_type.endswith("+json"):
            raise ApiError(
                415,
                f"Content-Type: send the body as application/json, not {content_type or 'nothing'}",
                field="Content-Type",
            )
        try:
            data = json.loads(request.body, parse_constant=_no_constant)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, f"body: not valid JSON ({exc})", field="body") from None
        check_value(data)
        return typing.cast(dict[str, Any], data)


# --- bounds on every declared input ---------------------------------------------------------------

_BOUNDS = (at.Ge, at.Gt, at.Le, at.Lt, at.Interval)


def _has(metadata: list[Any], *kinds: type) -> bool:
    return any(isinstance(m, kinds) for m in metadata)


def _bounded_item(tp: Any) -> Any:
    """A list item type with the default bounds of its kind."""
    if tp is int:
        return Annotated[int, at.Ge(INT64_MIN), at.Le(INT64_MAX)]
    if tp is str:
        return Annotated[str, at.MaxLen(MAX_STRING)]
    return tp


def _inner(annotation: Any) -> list[Any]:
    """The types a field may hold, without None and Annotated wrappers."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _inner(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for arg in typing.get_args(annotation) for t in _inner(arg) if t is not type(None)]
    return [annotation]


def _bound_model(model: type[BaseModel], done: set[type]) -> None:
    if model in done:
        return
    done.add(model)
    changed = False
    for field in model.model_fields.values():
        for tp in _inner(field.annotation):
            origin = typing.get_origin(tp)
            if isinstance(tp, type) and issubclass(tp, BaseModel):
                _bound_model(tp, done)
                changed = True
            elif tp is bool:
                continue
            elif tp is str and not _has(field.metadata, at.MaxLen, at.Len):
                field.metadata.append(at.MaxLen(MAX_STRING))
                changed = True
            elif tp is int and not _has(field.metadata, *_BOUNDS):
                field.metadata += [at.Ge(INT64_MIN), at.Le(INT64_MAX)]
                changed = True
            elif tp is int and not _has(field.metadata, at.Le, at.Lt):
                field.metadata.append(at.Le(INT64_MAX))
                changed = True
            elif tp is float and not _has(field.metadata, *_BOUNDS):
                field.metadata += [at.Ge(-1e15), at.Le(1e15)]
                changed = True
            elif origin in (list, set) and typing.get_args(tp):
                (item,) = typing.get_args(tp)
                bounded = _bounded_item(item)
                if bounded is not item:
                    field.annotation = _replace(field.annotation, tp, origin[bounded])
                if not _has(field.metadata, at.MaxLen, at.Len):
                    field.metadata.append(at.MaxLen(MAX_ITEMS))
                changed = True
    if changed:
        model.model_rebuild(force=True)


def _replace(annotation: Any, old: Any, new: Any) -> Any:
    if annotation == old:
        return new
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return typing.Union[tuple(_replace(a, old, new) for a in typing.get_args(annotation))]  # noqa: UP007
    return annotation


def bound_inputs(api: NinjaAPI) -> None:
    """Give every input of every operation the default limits it lacks (see the module's docstring)."""
    done: set[type] = set()
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            for operation in path_view.operations:
                for model in operation.models:
                    _bound_model(model, done)
