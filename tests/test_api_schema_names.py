"""Every schema of the API has a name of its own: django-ninja names an OpenAPI component after its
class, so two classes of one name (say a catalog category and a suggested category) share one
definition, and answers are documented and checked against the wrong one."""

from __future__ import annotations

from collections import defaultdict

from ninja import Schema

from cityloop.api.urls import api


def _all_subclasses(cls: type) -> set[type]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _all_subclasses(sub)
    return found


def test_schema_class_names_are_unique() -> None:
    api.get_openapi_schema()  # every router imported
    by_name: dict[str, set[str]] = defaultdict(set)
    for cls in _all_subclasses(Schema):
        if cls.__module__.startswith("cityloop."):
            by_name[cls.__name__].add(cls.__module__)
    assert {name: mods for name, mods in by_name.items() if len(mods) > 1} == {}
