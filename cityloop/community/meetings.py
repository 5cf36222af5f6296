"""Coordination meetings: the weekly community meeting and the monthly street meeting.

The agenda is built from the problems still open or escalated in the meeting's area (the station's
backlog and what went to the district), the decisions are written down, and each action item (who
does what by when) is followed until it is done; an item past its day and not done is overdue."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from cityloop.core.audit import domain_action, record, snapshot
from cityloop.core.models import Unit, UnitKind, User

from .access import is_station_head, manages_unit
from .models import ActionItem, Meeting, MeetingKind, Station, Task, TaskState

AGENDA_LIMIT = 50
MAX_ITEMS = 30


def agenda_tasks(unit: Unit, *, until: dt.date | None = None) -> QuerySet[Task]:
    """Problems for the meeting of ``unit`` (a community or a street): those still open, and those
    escalated to the district in the last 31 days, oldest first."""
    until = until or timezone.localdate()
    since = dt.datetime.combine(until - dt.timedelta(days=31), dt.time(), tzinfo=dt.UTC)
    where = Q(community=unit) if unit.kind == UnitKind.COMMUNITY else Q(street=unit)
    return (
        Task.objects.filter(where)
        .filter(
            Q(state__in=(TaskState.OPEN, TaskState.ASSIGNED))
            | Q(state=TaskState.ESCALATED, escalated_at__gte=since)
        )
        .order_by("created", "id")[:AGENDA_LIMIT]
    )


def _may_hold(actor: User, unit: Unit, kind: str) -> bool:
    if actor.is_superuser:
        return True
    if kind == MeetingKind.COMMUNITY_WEEKLY:
        station = Station.objects.filter(community=unit).first()
        if station is not None and is_station_head(actor, station):
            return True
    return manages_unit(actor, unit)


def _items(items: list[dict[str, object]], today: dt.date) -> list[tuple[str, str, dt.date, int | None]]:
    if len(items) > MAX_ITEMS:
        raise ValidationError({"items": f"一次最多{MAX_ITEMS}项"})
    parsed = []
    for n, item in enumerate(items):
        what = str(item.get("what") or "").strip()
        who = str(item.get("who") or "").strip()
        due = item.get("due")
        if not what or len(what) > 200:
            raise ValidationError({f"items.{n}.what": "请写明要做的事（最多200字）"})
        if not who or len(who) > 50:
            raise ValidationError({f"items.{n}.who": "请写明由谁做（最多50字）"})
        if not isinstance(due, dt.date) or not today - dt.timedelta(days=31) <= due <= today + dt.timedelta(
            days=366
        ):
            raise ValidationError({f"items.{n}.due": "请给出一年内的完成日期"})
        task = item.get("task")
        parsed.append((what, who, due, int(task) if isinstance(task, int) else None))
    return parsed


@domain_action
def hold_meeting(
    *,
    actor: User,
    unit: Unit,
    kind: str,
    held_on: dt.date,
    decisions: str = "",
    place: str = "",
    attendees: str = "",
    items: list[dict[str, object]] | None = None,
) -> Meeting:
    """Record a meeting of a community (weekly, by its station head or the street) or a street
    (monthly, by the street's managers): its agenda is taken from the open and escalated problems."""
    if kind not in MeetingKind.values:
        raise ValidationError({"kind": "会议类型应为community_weekly或street_monthly"})
    wanted = UnitKind.COMMUNITY if kind == MeetingKind.COMMUNITY_WEEKLY else UnitKind.STREET
    if unit.kind != wanted:
        raise ValidationError({"unit": "社区周例会由社区召开，街道月度会由街道召开"})
    if not _may_hold(actor, unit, kind):
        raise PermissionDenied("只有本社区工作站站长或街道管理人员可以记录会议")
    today = timezone.localdate()
    if not today - dt.timedelta(days=366) <= held_on <= today + dt.timedelta(days=31):
        raise ValidationError({"held_on": "会议日期应在一年之内"})
    for name, value, limit in (
        ("decisions", decisions, 4000),
        ("place", place, 100),
        ("attendees", attendees, 500),
    ):
        if len(value) > limit:
            raise ValidationError({name: f"最多{limit}个字"})
    parsed = _items(list(items or []), today)
    meeting = Meeting.objects.create(
        kind=kind,
        unit=unit,
        held_on=held_on,
        place=place.strip(),
        attendees=attendees.strip(),
        decisions=decisions.strip(),
        created_by=actor,
    )
    agenda = list(agenda_tasks(unit, until=held_on))
    meeting.agenda.set(agenda)
    on_agenda = {t.pk for t in agenda}
    for what, who, due, task in parsed:
        if task is not None and task not in on_agenda:
            raise ValidationError({"items": f"任务{task}不在本次会议的议题中"})
        ActionItem.objects.create(meeting=meeting, unit=unit, what=what, who=who, due=due, task_id=task)
    record(
        actor,
        "community.meeting.hold",
        meeting,
        after={
            **snapshot(meeting, ["kind", "unit", "held_on"]),
            "agenda": sorted(on_agenda),
            "items": len(parsed),
        },
    )
    return meeting


@domain_action
def complete_item(*, actor: User, item: ActionItem, note: str, at: dt.datetime | None = None) -> ActionItem:
    """Mark an action item done, saying how."""
    item = ActionItem.objects.select_for_update().select_related("meeting", "unit").get(pk=item.pk)
    if not _may_hold(actor, item.unit, item.meeting.kind):
        raise PermissionDenied("只有召开会议的社区或街道可以销项")
    if item.done_at is not None:
        raise ValidationError({"item": "这一项已经完成"})
    note = note.strip()
    if not note or len(note) > 300:
        raise ValidationError({"note": "请写明完成情况（最多300字）"})
    item.done_at, item.done_note = at or timezone.now(), note
    item.save(update_fields=["done_at", "done_note"])
    record(actor, "community.meeting.item_done", item, after={"note": note})
    return item


def overdue_items(items: QuerySet[ActionItem], today: dt.date | None = None) -> QuerySet[ActionItem]:
    """Items past their day and not done."""
    return items.filter(done_at__isnull=True, due__lt=today or timezone.localdate())
