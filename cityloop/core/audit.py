"""The audit trail and the ``domain_action`` wrapper every write goes through (ARCHITECTURE rule 1).

A request id travels in a context variable: the web middleware sets it from ``X-Request-ID`` (or a new
uuid), the CLI and the worker set their own, and every audit entry written meanwhile carries it.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import decimal
import functools
import logging
import random
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ParamSpec, TypeVar

from django.db import OperationalError, models, transaction

from . import audit_chain
from .audit_actions import AuditAction
from .models import AuditEntry, User

logger = logging.getLogger("cityloop.audit")

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("cityloop_request_id", default="")
_action_depth: contextvars.ContextVar[int] = contextvars.ContextVar("cityloop_action_depth", default=0)

P = ParamSpec("P")
R = TypeVar("R")


def current_request_id() -> str:
    """The id of the request (or CLI run, or worker job) being served, '' outside one."""
    return _request_id.get()


@contextmanager
def request_context(request_id: str | None = None) -> Iterator[str]:
    """Run a block under a request id (a new one if none is given)."""
    rid = request_id or uuid.uuid4().hex
    token = _request_id.set(rid)
    try:
        yield rid
    finally:
        _request_id.reset(token)


_PLAIN = frozenset({str, int, float, bool, type(None)})


class Snapshot(dict[str, Any]):
    """What :func:`snapshot` returns: field values already JSON-ready, so the audit entry that
    carries it (and the entry it becomes a part of) does not walk them again. Add only JSON-ready
    values to one."""


def _jsonable(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN:  # most values: checked first, as every audit entry passes here
        return value
    if kind is Snapshot:
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        return [_jsonable(v) for v in value]
    return value


_SECRET_FIELDS = frozenset({"password", "key_hash"})


@functools.cache
def _snapshot_names(model: type[models.Model], fields: tuple[str, ...] | None) -> tuple[str, ...]:
    """The attribute names a snapshot of ``model`` shows (every transition asks, for the same few).
    ``fields`` may name a foreign key either way: ``unit`` or ``unit_id``."""
    wanted = None if fields is None else frozenset(fields)
    return tuple(
        f.attname
        for f in model._meta.concrete_fields
        if (wanted is None or f.name in wanted or f.attname in wanted) and f.name not in _SECRET_FIELDS
    )


def snapshot(obj: models.Model, fields: list[str] | None = None) -> Snapshot:
    """The concrete field values of a model instance, JSON-ready, for before/after in the audit log."""
    names = _snapshot_names(type(obj), None if fields is None else tuple(fields))
    return Snapshot({name: _jsonable(getattr(obj, name)) for name in names})


class ActorRequired(ValueError):
    """An action was called without a real actor."""


def record(
    actor: User,
    action: AuditAction | str,
    obj: models.Model | None = None,
    *,
    object_type: str | None = None,
    object_id: str | int | None = None,
    object_repr: str | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry | None:
    """Append one audit entry to the chain. Call it inside the action's transaction: the chain's
    head stays locked until that transaction ends.

    ``action`` must be one of :class:`AuditAction` (a name that is not raises ``ValueError``, so a
    typo fails in the tests rather than writing a name no filter finds). Inside :func:`as_parts` the
    entry becomes a part of the caller's entry, and None is returned.
    """
    action = AuditAction(action)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id if object_id is not None else obj.pk
        object_repr = object_repr if object_repr is not None else str(obj)[:255]
    parts = _parts.get()
    if parts is not None:
        # A part of the caller's entry: a plain dict, no entry of its own.
        parts.append(
            {
                "action": action.value,
                "object_type": object_type or "",
                "object_id": str(object_id if object_id is not None else ""),
                "before": _jsonable(before) if before is not None else None,
                "after": _jsonable(after) if after is not None else None,
            }
        )
        return None
    entry = AuditEntry(
        actor=actor if actor.pk else None,
        actor_label=str(actor.username)[:150],
        action=action.value,
        object_type=object_type or "",
        object_id=str(object_id if object_id is not None else ""),
        object_repr=(object_repr or "")[:255],
        before=_jsonable(before) if before is not None else None,
        after=_jsonable(after) if after is not None else None,
        request_id=current_request_id(),
    )
    return audit_chain.append(entry)


_parts: contextvars.ContextVar[list[dict[str, Any]] | None] = contextvars.ContextVar(
    "cityloop_audit_parts", default=None
)


@contextmanager
def as_parts() -> Iterator[list[dict[str, Any]]]:
    """Inside the block, what nested actions record becomes part of the caller's own entry (the list
    yielded, for the caller to put in its ``after``) instead of rows of their own. For actions that a
    larger action runs as its parts: a case transition's step clocks are recorded with the transition."""
    parts: list[dict[str, Any]] = []
    token = _parts.set(parts)
    try:
        yield parts
    finally:
        _parts.reset(token)


@contextmanager
def action_transaction() -> Iterator[None]:
    """The transaction of a domain action. The outermost action opens it (a savepoint when the caller
    already holds a transaction); an action called inside another joins it with
    ``atomic(savepoint=False)``: a failure of the inner action fails the outer one anyway, and a
    savepoint would cost two more round trips for every nested action of a case transition."""
    depth = _action_depth.get()
    token = _action_depth.set(depth + 1)
    try:
        with transaction.atomic(savepoint=depth == 0):
            yield
    finally:
        _action_depth.reset(token)
        if depth == 0:
            # The chain head this action locked is read again by the next action, as it would be in
            # a transaction of its own (one taken inside a caller's transaction keeps the lock).
            audit_chain.forget_cached_head()


# How often an action the database chose as a deadlock victim runs again, and the longest pause first.
DEADLOCK_ATTEMPTS = 4
DEADLOCK_PAUSE_S = 0.05


def _in_action_transaction(func: Callable[..., R], args: Any, kwargs: Any) -> R:
    with action_transaction():
        return func(*args, **kwargs)


def is_deadlock(exc: BaseException) -> bool:
    """Whether PostgreSQL aborted the transaction to break a deadlock (SQLSTATE 40P01)."""
    cause = exc.__cause__ or exc
    return getattr(cause, "sqlstate", None) == "40P01" or getattr(cause, "pgcode", None) == "40P01"


def retry_on_deadlock(run: Callable[[], R], name: str) -> R:
    """Run an action's transaction, and run it again when PostgreSQL broke a deadlock by aborting it.

    Every audited write takes the audit chain's head row last (``record()``), but an action may
    still lock a row after it, and two actions can meet in opposite orders: PostgreSQL then aborts
    one of them. Only a transaction this call opened is retried (inside a caller's transaction the
    caller decides); each attempt starts from the database as it is then, since nothing of the
    aborted one was kept."""
    if transaction.get_connection().in_atomic_block:
        return run()
    for attempt in range(1, DEADLOCK_ATTEMPTS + 1):
        try:
            return run()
        except OperationalError as exc:
            if not is_deadlock(exc) or attempt == DEADLOCK_ATTEMPTS:
                raise
            logger.warning("%s: deadlock broken by the database, attempt %d again", name, attempt + 1)
            time.sleep(random.uniform(0, DEADLOCK_PAUSE_S * attempt))
    raise AssertionError("unreachable")


def domain_action(func: Callable[P, R]) -> Callable[P, R]:
    """Mark a function as a domain action: it needs an ``actor`` keyword and runs in one transaction.

    The function writes its own audit entry (through :func:`record`) so it can choose the object and
    the before/after it reports; if anything raises, the audit entry rolls back with the change.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        actor = kwargs.get("actor")
        if not isinstance(actor, User):
            raise ActorRequired(f"{func.__qualname__} needs actor=<User>, got {actor!r}")
        if not actor.is_active:
            raise ActorRequired(f"{actor.username} is not an active user")
        return retry_on_deadlock(lambda: _in_action_transaction(func, args, kwargs), func.__qualname__)

    wrapper.is_domain_action = True  # type: ignore[attr-defined]
    return wrapper


SYSTEM_USERNAME = "system"


def system_actor() -> User:
    """The account automated work acts as (the worker's sweeps, imports run by the system)."""
    user, _ = User.objects.get_or_create(
        username=SYSTEM_USERNAME,
        defaults={"display_name": "系统", "is_active": True},
    )
    if user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def command_actor(username: str | None) -> User:
    """Whom a management command acts as (``--as``): the named active user, whose name the audit
    log then shows, or the system account. Raises ``CommandError`` for an unknown name."""
    if not username:
        return system_actor()
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        from django.core.management.base import CommandError

        raise CommandError(f"no active user named {username!r}")
    return user


PUBLIC_USERNAME = "public"


def public_actor() -> User:
    """The account anonymous citizens act as (reports from the web and app without an account).

    Their name and phone travel with the report, kept private; the audit log shows ``public``.
    """
    user, created = User.objects.get_or_create(
        username=PUBLIC_USERNAME,
        defaults={"display_name": "公众", "is_active": True},
    )
    if created or user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
