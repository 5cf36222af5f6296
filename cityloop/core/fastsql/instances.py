"""Model instances built directly, for the hot path's new rows and fetched rows.

``Model.__init__`` walks every field's descriptor, a related object's ``__set__`` among them: about
a third of the time to make a row in the case loop. These build the same instance (the same
attribute values, the same cached related objects, the same ``_state``) from a plain dict.
Models with an ``__init__`` or ``from_db`` of their own, or whose creation somebody listens to
(``pre_init``/``post_init``), are left to the ORM.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

from django.db import models, router
from django.db.models import signals
from django.db.models.fields import Field

M = TypeVar("M", bound=models.Model)


@functools.cache
def plain_construction(model: type[models.Model]) -> bool:
    """Whether ``model`` builds its instances as ``Model`` does (no ``__init__`` or ``from_db`` of its
    own, no generated columns), so values can be put straight into a new instance."""
    own_from_db = any("from_db" in base.__dict__ for base in model.__mro__ if base is not models.Model)
    generated = any(getattr(f, "generated", False) for f in model._meta.concrete_fields)
    return model.__init__ is models.Model.__init__ and not own_from_db and not generated


def watched(model: type[models.Model]) -> bool:
    """Whether building an instance of ``model`` must go through the ORM."""
    return (
        not plain_construction(model)
        or signals.pre_init.has_listeners(model)
        or signals.post_init.has_listeners(model)
    )


class _Plan(NamedTuple):
    by_key: dict[str, tuple[Field, models.ForeignKey | None]]
    constants: dict[str, Any]  # the default of each field whose default is a value
    factories: tuple[tuple[str, Callable[[], Any]], ...]  # the others: called for each instance


@functools.cache
def _build_plan(model: type[models.Model]) -> _Plan:
    """Each concrete field by attribute name (``unit_id``: the value) and, for a relation, by field
    name (``unit``: the related object); and the fields' defaults, as ``Field.get_default`` gives
    them: a value shared by every instance (as the ORM shares it), or a callable's fresh one."""
    by_key: dict[str, tuple[Field, models.ForeignKey | None]] = {}
    constants: dict[str, Any] = {}
    factories = []
    for field in model._meta.concrete_fields:
        by_key[field.attname] = (field, None)
        if isinstance(field, models.ForeignKey) and field.name != field.attname:
            by_key[field.name] = (field, field)
        if field.has_default() and (callable(field.default) or field.is_relation):
            factories.append((field.attname, field.get_default))
        else:
            constants[field.attname] = field.get_default()
    return _Plan(by_key, constants, tuple(factories))


def build(model: type[M], **values: Any) -> M:
    """``model(**values)`` for a new row, built directly: keys are concrete fields by name (a related
    object or None) or by attribute name (its key); every other field takes its default. Anything
    else (an unknown key, a related object of the wrong model, a field given both ways) goes to the
    ORM, which says what is wrong."""
    if watched(model):
        return model(**values)
    by_key, constants, factories = _build_plan(model)
    given: dict[str, Any] = {}
    related: list[tuple[models.ForeignKey, Any]] = []
    for key, value in values.items():
        found = by_key.get(key)
        if found is None:
            return model(**values)
        field, relation = found
        if field.attname in given:
            return model(**values)
        if relation is None:
            given[field.attname] = value
            continue
        if value is not None and not isinstance(value, relation.related_model):  # type: ignore[arg-type]
            return model(**values)
        given[field.attname] = None if value is None else getattr(value, relation.target_field.attname)
        related.append((relation, value))
    obj = model.__new__(model)
    attributes = obj.__dict__
    state = attributes["_state"] = models.base.ModelState()
    attributes.update(constants)
    for attname, factory in factories:
        if attname not in given:
            attributes[attname] = factory()
    attributes.update(given)
    for field, value in related:
        if value is not None:
            # The databases of the two, as the descriptor settles them.
            if state.db is None:
                state.db = router.db_for_write(model, instance=value)
            if value._state.db is None:
                value._state.db = router.db_for_write(type(value), instance=obj)
            if not router.allow_relation(value, obj):
                return model(**values)
        field.set_cached_value(obj, value)
        # As the descriptor does for a one-to-one: the related object knows this one too.
        remote = field.remote_field
        if value is not None and remote is not None and not remote.multiple:
            remote.set_cached_value(value, obj)
    return obj
