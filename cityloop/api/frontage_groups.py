"""``/api/v1/frontage``: the parties' self-governance (自治) — self-discipline groups (商户自治联盟)
and their members, peer inspections among members (互查), and the analysis of where and when the
problems handed to parties to put right themselves recur. Restricted to the caller's jurisdiction;
changing a group needs a unit manager or administrator over its street. Credit scores and the red
and black lists are in :mod:`.frontage_credit`."""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from cityloop.core.models import Unit
from cityloop.core.permissions import restrict
from cityloop.frontage import analysis
from cityloop.frontage.groups import create_group, join_group, leave_group, members, set_leader
from cityloop.frontage.models import Party, SelfCorrection, SelfDisciplineGroup
from cityloop.frontage.peer import peer_inspect

from .errors import ApiError
from .frontage_credit import _user

router = Router(tags=["frontage"])


class GroupOut(Schema):
    id: int
    name: str
    street: str
    street_name: str
    leader: str | None
    members: list[dict[str, str]]


def _group(g: SelfDisciplineGroup) -> dict[str, Any]:
    return {
        "id": g.pk,
        "name": g.name,
        "street": g.street.code,
        "street_name": g.street.name,
        "leader": g.leader.uscc if g.leader else None,
        "members": [{"party": p.uscc, "name": p.name} for p in members(g)],
    }


def _groups(request: HttpRequest, action: str = "view") -> QuerySet[SelfDisciplineGroup]:
    return restrict(SelfDisciplineGroup.objects.all(), request.user, action).select_related(
        "street", "leader"
    )


@router.get("/groups", response=list[GroupOut], summary="Self-discipline groups (商户自治联盟)")
def groups(request: HttpRequest, street: str | None = Query(None, max_length=32)) -> list[dict[str, Any]]:
    qs = _groups(request)
    if street:
        qs = qs.filter(street__code=street)
    return [_group(g) for g in qs.order_by("street_id", "name")[:500]]


class GroupIn(Schema):
    street: str = Field(..., min_length=1, max_length=32, description="street unit code")
    name: str = Field(..., min_length=1, max_length=100)
    note: str = Field("", max_length=500)


@router.post("/groups", response={201: GroupOut}, summary="Create a self-discipline group in a street")
def group_create(request: HttpRequest, body: GroupIn) -> Status[dict[str, Any]]:
    street = Unit.objects.filter(code=body.street, kind="street").first()
    if street is None:
        raise ApiError(400, f"没有编码为{body.street}的街道", errors={"street": ["请填写街道的单位编码"]})
    # The action refuses (403) anyone but the street's frontage officer.
    return Status(
        201, _group(create_group(actor=_user(request), street=street, name=body.name, note=body.note))
    )


def _managed_group(request: HttpRequest, group_id: int) -> SelfDisciplineGroup:
    """A group the caller sees (else 404); the group actions refuse anyone but its street's officer."""
    group = _groups(request).filter(pk=group_id).first()
    if group is None:
        raise ApiError(404, f"你的辖区内没有编号为{group_id}的联盟")
    return group


class MemberIn(Schema):
    party: str = Field(..., min_length=18, max_length=18, description="the party's credit code")


def _party_of(request: HttpRequest, uscc: str) -> Party:
    party = restrict(Party.objects.all(), request.user, "view").filter(uscc=uscc.upper()).first()
    if party is None:
        raise ApiError(404, "你的辖区内没有该责任主体", errors={"party": ["统一社会信用代码不在你的辖区内"]})
    return party


@router.get("/groups/{group_id}", response=GroupOut, summary="One group with its members")
def group_get(request: HttpRequest, group_id: int) -> dict[str, Any]:
    return _group(_managed_group(request, group_id))


@router.post("/groups/{group_id}/members", response=GroupOut, summary="A party joins the group")
def group_join(request: HttpRequest, group_id: int, body: MemberIn) -> dict[str, Any]:
    group = _managed_group(request, group_id)
    join_group(actor=_user(request), group=group, party=_party_of(request, body.party))
    return _group(_groups(request).get(pk=group.pk))


@router.post("/groups/{group_id}/leave", response=GroupOut, summary="A party leaves the group")
def group_leave(request: HttpRequest, group_id: int, body: MemberIn) -> dict[str, Any]:
    group = _managed_group(request, group_id)
    leave_group(actor=_user(request), group=group, party=_party_of(request, body.party))
    return _group(_groups(request).get(pk=group.pk))


@router.post("/groups/{group_id}/leader", response=GroupOut, summary="Name the group's leader (a member)")
def group_leader(request: HttpRequest, group_id: int, body: MemberIn) -> dict[str, Any]:
    group = _managed_group(request, group_id)
    set_leader(actor=_user(request), group=group, party=_party_of(request, body.party))
    return _group(_groups(request).get(pk=group.pk))


class AnalysisFilter(Schema):
    since: dt.date | None = Field(None, description="first day (default: 90 days ago)")
    until: dt.date | None = Field(None, description="last day (default: today)")
    street: str | None = Field(None, max_length=32)


class AnalysisOut(Schema):
    since: dt.date
    until: dt.date
    totals: dict[str, Any]
    hour_of_week: list[list[int]] = Field(..., description="7 × 24 counts, Monday first, local hours")
    streets: list[dict[str, Any]]
    parties: list[dict[str, Any]]
    categories: list[dict[str, Any]]


def corrections_for(
    request: HttpRequest, since: dt.date, until: dt.date, street: str | None
) -> QuerySet[SelfCorrection]:
    qs = analysis.in_period(restrict(SelfCorrection.objects.all(), request.user, "view"), since, until)
    return qs.filter(street__code=street) if street else qs


@router.get("/analysis", response=AnalysisOut, summary="Where and when frontage problems recur")
def frontage_analysis(request: HttpRequest, filters: Query[AnalysisFilter]) -> dict[str, Any]:
    until = filters.until or timezone.localdate()
    since = filters.since or until - dt.timedelta(days=90)
    if since > until or (until - since).days > 366:
        raise ApiError(400, "统计期间有误", errors={"since": ["起始日期不能晚于截止日期，且相隔不超过一年"]})
    qs = corrections_for(request, since, until, filters.street)
    return {
        "since": since,
        "until": until,
        "totals": analysis.summary(qs),
        "hour_of_week": analysis.hour_of_week(qs),
        "streets": analysis.by_street(qs),
        "parties": analysis.by_party(qs),
        "categories": analysis.by_category(qs),
    }


class PeerInspectionIn(Schema):
    party: str = Field(..., min_length=18, max_length=18, description="the inspected member's credit code")
    ticks: dict[str, bool] = Field(..., description="checklist item code → passed, one per item")
    note: str = Field("", max_length=500)


class PeerInspectionOut(Schema):
    id: int
    party: str
    inspector: str
    score: int
    passed: bool
    inspected_at: dt.datetime


@router.post(
    "/groups/{group_id}/peer-inspections",
    response={201: PeerInspectionOut},
    summary="A member inspects another member (互查): the inspecting party's own account",
)
def peer_inspection(request: HttpRequest, group_id: int, body: PeerInspectionIn) -> Status[dict[str, Any]]:
    user = _user(request)
    mine = Party.objects.filter(account=user).first()
    group = SelfDisciplineGroup.objects.filter(pk=group_id).first()
    if mine is None or group is None or group.street_id != mine.street_id:
        raise ApiError(404, f"你不在编号为{group_id}的联盟中")
    party = Party.objects.filter(uscc=body.party.upper(), street_id=group.street_id).first()
    if party is None:
        raise ApiError(404, "联盟所在街道没有该责任主体", errors={"party": ["不在联盟所在街道"]})
    try:
        peer = peer_inspect(actor=user, group=group, party=party, ticks=body.ticks, note=body.note)
    except PermissionDenied as exc:
        raise ApiError(403, str(exc)) from None
    inspection = peer.inspection
    return Status(
        201,
        {
            "id": inspection.pk,
            "party": party.uscc,
            "inspector": mine.uscc,
            "score": inspection.score,
            "passed": inspection.passed,
            "inspected_at": inspection.inspected_at,
        },
    )
