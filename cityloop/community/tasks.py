"""The community micro-loop's actions: raise a problem, take in a case the district sent, assign a
head or a professional with the station's short deadline, record what was tried, solve it with a
photo, or escalate it to the district's case loop with everything gathered. Each is one transaction
with its audit entry."""

from __future__ import annotations

import datetime as dt
import math

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone, translation

from cityloop.core.audit import domain_action, record, snapshot
from cityloop.core.models import User
from cityloop.notify.outbox import enqueue
from cityloop.timeclock.calendars import calendar_id_for_unit
from cityloop.timeclock.clock import add

from . import access
from .escalation import bridge
from .models import Post, Professional, Station, Task, TaskEvent, TaskPhoto, TaskSource, TaskState
from .photos import Photo, check_photos

MAX_TASK_HOURS = 240
AUDITED = ["state", "assigned_post", "assigned_professional", "deadline_at", "case_id", "solution"]


def _text(value: str, field: str, limit: int, *, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationError({field: "请填写此项"})
    if len(text) > limit:
        raise ValidationError({field: f"最多{limit}个字"})
    return text


def check_point(lon: float, lat: float) -> tuple[float, float]:
    """A WGS84 point, or a 400 naming the coordinate at fault."""
    for name, value, bound in (("lon", lon, 180), ("lat", lat, 90)):
        if not isinstance(value, int | float) or not math.isfinite(value) or abs(value) > bound:
            raise ValidationError({name: f"坐标{name}应为-{bound}到{bound}之间的数"})
    return float(lon), float(lat)


def _store(task: Task, photos: list[Photo], stage: str, actor: User) -> None:
    for photo in photos:
        row = TaskPhoto(
            task=task,
            stage=stage,
            content_type=photo.content_type,
            size=len(photo.content),
            sha256=photo.sha256,
            uploaded_by=actor,
        )
        row.file.save(f"{photo.sha256[:16]}.{photo.extension}", ContentFile(photo.content), save=False)
        row.save()


def _read(photo: TaskPhoto) -> tuple[str, bytes]:
    with photo.file.open("rb") as f:
        return photo.file.name.rsplit("/", 1)[-1], f.read()


def _event(task: Task, actor: User, kind: str, text: str, at: dt.datetime) -> None:
    TaskEvent.objects.create(task=task, actor=actor, kind=kind, text=text[:500], at=at)


def _district(station: Station) -> int:
    district = station.street.parent_id
    if district is None:
        raise ValidationError({"station": "工作站所在街道不属于任何区"})
    return district


def _open(task: Task) -> Task:
    locked = Task.objects.select_for_update().select_related("station").get(pk=task.pk)
    if not locked.is_open:
        raise ValidationError({"state": f"任务已{locked.get_state_display()}，不能再办理"})
    return locked


@domain_action
def raise_task(
    *,
    actor: User,
    station: Station,
    description: str,
    lon: float,
    lat: float,
    source: str = TaskSource.HEAD,
    address: str = "",
    category_code: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    photos: list[tuple[str, bytes]] | None = None,
    at: dt.datetime | None = None,
) -> Task:
    """A head raises a problem they found, or one a resident told them or the station, in the
    community of ``station``."""
    access.require(access.may_raise(actor, station), "只有本社区的三长和工作站可以登记社区问题")
    if source not in (TaskSource.HEAD, TaskSource.RESIDENT):
        raise ValidationError({"source": "来源应为head（三长发现）或resident（居民反映）"})
    lon, lat = check_point(lon, lat)
    checked = check_photos(list(photos or []))
    at = at or timezone.now()
    task = Task.objects.create(
        station=station,
        community_id=station.community_id,
        street_id=station.street_id,
        district_id=_district(station),
        source=source,
        description=_text(description, "description", 500),
        address=_text(address, "address", 200, required=False),
        category_code=_text(category_code, "category_code", 16, required=False),
        reporter_name=_text(reporter_name, "reporter_name", 50, required=False),
        reporter_phone=_text(reporter_phone, "reporter_phone", 32, required=False),
        lon=lon,
        lat=lat,
        raised_by=actor,
        created=at,
    )
    _store(task, checked, "report", actor)
    _event(task, actor, "raise", task.description, at)
    record(actor, "community.task.raise", task, after=snapshot(task, ["source", "description", "lon", "lat"]))
    return task


@domain_action
def take_case(*, actor: User, station: Station, case_id: int, at: dt.datetime | None = None) -> Task:
    """The station takes a case the district dispatched to it into its own loop."""
    access.require(access.may_manage(actor, station), "只有工作站站长或街道管理人员可以接收案件")
    if station.unit_id is None:
        raise ValidationError({"case_id": "工作站没有对应的组织单位，区里不能派案件给它"})
    case = bridge().case(case_id, station.unit_id)
    if case is None:
        raise ValidationError({"case_id": f"案件{case_id}不在本工作站待办"})
    if Task.objects.filter(case_id=case.id, state__in=("open", "assigned")).exists():
        raise ValidationError({"case_id": f"案件{case.number}已在社区办理中"})
    at = at or timezone.now()
    task = Task.objects.create(
        station=station,
        community_id=station.community_id,
        street_id=station.street_id,
        district_id=_district(station),
        source=TaskSource.CASE,
        description=case.description[:500] or case.number,
        address=case.address[:200],
        category_code=case.category_code[:16],
        lon=case.lon,
        lat=case.lat,
        raised_by=actor,
        case_id=case.id,
        case_number=case.number,
        created=at,
    )
    _event(task, actor, "take", f"接收区级派遣案件{case.number}", at)
    record(actor, "community.task.take_case", task, after={"case": case.number})
    return task


@domain_action
def assign_task(
    *,
    actor: User,
    task: Task,
    post: Post | None = None,
    professional: Professional | None = None,
    hours: int | None = None,
    at: dt.datetime | None = None,
) -> Task:
    """The station assigns a head or an on-call professional, with its own short deadline in working
    hours (the station's default unless given)."""
    task = _open(task)
    access.require(access.may_manage(actor, task.station), "只有工作站站长或街道管理人员可以派单")
    at = at or timezone.now()
    if (post is None) == (professional is None):
        raise ValidationError({"assignee": "请选择一位三长或一位专业人员（只选一个）"})
    if post is not None and (
        post.station_id != task.station_id or not post.active_on(timezone.localdate(at))
    ):
        raise ValidationError({"post": "这位三长不在本工作站任职"})
    if professional is not None and (professional.station_id != task.station_id or not professional.active):
        raise ValidationError({"professional": "这位专业人员不在本工作站值守"})
    hours = task.station.task_hours if hours is None else hours
    if not isinstance(hours, int) or not 1 <= hours <= MAX_TASK_HOURS:
        raise ValidationError({"hours": f"时限应为1到{MAX_TASK_HOURS}个工作小时"})
    before = snapshot(task, AUDITED)
    task.assigned_post, task.assigned_professional = post, professional
    task.assigned_at = at
    calendar = calendar_id_for_unit(task.station.unit_id or task.community_id)
    task.deadline_at = add(at, hours, "working_hour", calendar=calendar)
    task.state = TaskState.ASSIGNED
    task.save()
    with translation.override("zh-hans"):  # the story is kept in the console's language
        _event(task, actor, "assign", f"派给{task.assignee_label()}，{hours}个工作小时内办结", at)
    record(actor, "community.task.assign", task, before=before, after=snapshot(task, AUDITED))
    _tell_assignee(task, hours)
    return task


ASSIGNED_NOTICE = "community.task.assigned"


def _tell_assignee(task: Task, hours: int) -> None:
    """The head or professional learns of the task in their inbox (and the channels they receive
    notices on), with the place and the deadline; a professional without an account is phoned by
    the station, as before."""
    person: User | None
    if task.assigned_post is not None:
        person = task.assigned_post.user
    else:
        person = task.assigned_professional.user if task.assigned_professional else None
    if person is None or task.deadline_at is None:
        return
    due = timezone.localtime(task.deadline_at).strftime("%m-%d %H:%M")
    enqueue(
        ASSIGNED_NOTICE,
        recipients=[person],
        subject_type="community.task",
        subject_id=task.pk,
        payload={
            "title": f"社区派单：{task.description[:40]}",
            "body": f"{task.address or task.station.name}，请在{due}前（{hours}个工作小时）办结并拍照",
            "task": task.pk,
        },
        # One notice per assignment: a task handed to someone else tells them too.
        dedupe_key=f"{ASSIGNED_NOTICE}:{task.pk}:{task.assigned_at:%Y%m%d%H%M%S%f}",
        district=task.district_id,
    )


@domain_action
def note_task(*, actor: User, task: Task, text: str, photos: list[tuple[str, bytes]] | None = None) -> Task:
    """Record what was tried (an attempt, a visit, a call) with optional photos."""
    task = _open(task)
    access.require(access.may_work(actor, task), "只有承办人或工作站可以记录办理情况")
    text = _text(text, "text", 500)
    checked = check_photos(list(photos or []))
    at = timezone.now()
    _store(task, checked, "progress", actor)
    _event(task, actor, "note", text, at)
    task.save(update_fields=["updated"])
    record(actor, "community.task.note", task, after={"text": text, "photos": len(checked)})
    return task


@domain_action
def solve_task(
    *,
    actor: User,
    task: Task,
    solution: str,
    photos: list[tuple[str, bytes]],
    at: dt.datetime | None = None,
) -> Task:
    """Solved in the community: closed with a photo of the fixed place, counted for the community.
    A task that came from a case reports that case disposed, in the same transaction."""
    task = _open(task)
    access.require(access.may_work(actor, task), "只有承办人或工作站可以办结")
    solution = _text(solution, "solution", 500)
    checked = check_photos(list(photos or []))
    if not checked:
        raise ValidationError({"photos": "办结需要一张处置后的照片"})
    at = at or timezone.now()
    before = snapshot(task, AUDITED)
    task.state, task.solution, task.solved_at = TaskState.SOLVED, solution, at
    task.save()
    _store(task, checked, "solution", actor)
    _event(task, actor, "solve", solution, at)
    if task.case_id:
        bridge().solved(task, actor=actor, photos=checked)
    record(actor, "community.task.solve", task, before=before, after=snapshot(task, AUDITED))
    return task


def gathered(task: Task, reason: str) -> str:
    """Everything the community knows, for the district: the problem, the place, who tried what."""
    with translation.override("zh-hans"):
        source = task.get_source_display()
    lines = [f"【社区上报】{task.community.name} · {source}", task.description]
    if task.address:
        lines.append(f"地点：{task.address}")
    lines.append(f"无法在社区解决的原因：{reason}")
    for event in task.events.select_related("actor").order_by("at", "id"):
        lines.append(f"{timezone.localtime(event.at):%m-%d %H:%M} {event.actor}：{event.text}")
    return "\n".join(lines)[:2000]


@domain_action
def escalate_task(
    *,
    actor: User,
    task: Task,
    reason: str,
    photos: list[tuple[str, bytes]] | None = None,
    at: dt.datetime | None = None,
) -> Task:
    """Not solvable locally: into the district's case loop with the text, place, photos and the story
    of who tried what. A task from a case hands that case back; any other becomes a new case."""
    task = _open(task)
    access.require(access.may_manage(actor, task.station), "只有工作站站长或街道管理人员可以上报区里")
    reason = _text(reason, "reason", 500)
    checked = check_photos(list(photos or []))
    at = at or timezone.now()
    before = snapshot(task, AUDITED)
    _store(task, checked, "progress", actor)
    _event(task, actor, "escalate", f"上报区级：{reason}", at)
    all_photos = check_photos([_read(p) for p in task.photos.order_by("-id")[:6]])
    case = bridge().escalate(task, actor=actor, summary=gathered(task, reason), photos=all_photos)
    task.state, task.escalated_at, task.escalation_reason = TaskState.ESCALATED, at, reason
    task.case_id, task.case_number = case.id, case.number
    task.save()
    record(actor, "community.task.escalate", task, before=before, after=snapshot(task, AUDITED))
    return task
